import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { DEFAULT_LIMITS, DEFAULT_MARKETS, startExchange } from '../../src/sim/index.js';
import { resolveOptions } from '../../src/sim/options.js';

describe('exchange options', () => {
  it('defaults to Upbit’s numbers, as observed where they differ from its pages', () => {
    expect(resolveOptions()).toEqual({
      port: 0,
      host: '127.0.0.1',
      markets: DEFAULT_MARKETS,
      tickMs: 100,
      seed: 1,
      idleTimeoutMs: 60_000,
      lowerCaseCodes: 'ignore',
      limits: { connectPerSecond: 5, connectWithOriginPer10Seconds: 1, messagesPerSecond: 5, messagesPerMinute: 100 },
      credentials: [],
      authFailure: 'frame',
      keepRequests: 5_000,
      keepNonces: 100_000,
    });
    expect(resolveOptions({ limits: false }).limits).toBeUndefined();
    expect(resolveOptions({ limits: { messagesPerSecond: 2 } }).limits).toEqual({ ...DEFAULT_LIMITS, messagesPerSecond: 2 });
    expect(resolveOptions({ tickMs: undefined }).tickMs).toBe(100);
  });

  it.each([
    [{ port: 70_000 }, 'port'],
    [{ port: 1.5 }, 'port'],
    [{ host: '' }, 'host'],
    [{ tickMs: -1 }, 'tickMs'],
    [{ seed: Number.NaN }, 'seed'],
    [{ idleTimeoutMs: 0 }, 'idleTimeoutMs'],
    [{ markets: ['krw-btc'] }, 'markets[0]'],
    [{ markets: 'KRW-BTC' }, 'markets'],
    [{ limits: { messagesPerMinute: 0 } }, 'limits.messagesPerMinute'],
    [{ limits: 5 }, 'limits'],
    [{ credentials: [{ accessKey: 'a' }] }, 'credentials[0].secretKey'],
    [{ credentials: [{ secretKey: 's' }] }, 'credentials[0].accessKey'],
    [{ authFailure: 'close' }, 'authFailure'],
    [{ lowerCaseCodes: 'upper' }, 'lowerCaseCodes'],
    [{ keepRequests: -1 }, 'keepRequests'],
    [{ keepRequests: 1.5 }, 'keepRequests'],
    [{ keepNonces: 0 }, 'keepNonces'],
    [{ keepNonces: Number.POSITIVE_INFINITY }, 'keepNonces'],
  ])('rejects %j naming `%s`', (options, option) => {
    const attempt = () => resolveOptions(options as never);
    expect(attempt).toThrow(OptionError);
    expect(attempt).toThrow(`\`${option}\``);
  });

  it('starts nothing when an option is bad', async () => {
    await expect(startExchange({ tickMs: -5 })).rejects.toThrow(OptionError);
  });
});
