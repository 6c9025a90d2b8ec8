/**
 * `createOrchestrator(options)`: every option is validated before anything starts; a bad one
 * throws an `OptionError` naming it and the value received.
 */
import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.js';
import { createOrchestrator } from '../../src/orchestrator.js';
import { type OrchestratorOptions, resolveOptions, UPBIT_ENDPOINTS } from '../../src/options.js';

/** Node resources that would betray something started: sockets, timers. */
function started(): string[] {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap' || resource === 'Timeout');
}

const BAD: readonly (readonly [option: string, options: unknown])[] = [
  ['options', null],
  ['options', 'fast'],
  ['endpoints', { endpoints: 'wss://api.upbit.com/websocket/v1' }],
  ['endpoints.public', { endpoints: { public: 'https://api.upbit.com/websocket/v1' } }],
  ['endpoints.private', { endpoints: { private: '' } }],
  ['credentials', { credentials: { accessKey: 'key' } }],
  ['credentials', { credentials: { accessKey: '', secretKey: 'secret' } }],
  ['debounceMs', { debounceMs: -1 }],
  ['debounceMs', { debounceMs: Number.NaN }],
  ['debounceMs', { debounceMs: '100' }],
  ['format', { format: 'JSON_LIST' }],
  ['heartbeat', { heartbeat: 30_000 }],
  ['heartbeat.intervalMs', { heartbeat: { intervalMs: 0 } }],
  ['heartbeat.timeoutMs', { heartbeat: { timeoutMs: -5 } }],
  ['heartbeat.timeoutMs', { heartbeat: { timeoutMs: 0 } }],
  ['backoff.initialMs', { backoff: { initialMs: Number.POSITIVE_INFINITY } }],
  ['backoff.maxMs', { backoff: { initialMs: 1_000, maxMs: 500 } }],
  ['backoff.stableMs', { backoff: { stableMs: -1 } }],
  ['lingerMs', { lingerMs: -1 }],
  // Past 2^31 - 1 ms, Node fires a timer at once: a "very long" linger would close at once.
  ['lingerMs', { lingerMs: 2 ** 31 }],
  ['debounceMs', { debounceMs: 1e12 }],
  ['limits', { limits: 5 }],
  ['limits.connectPerSecond', { limits: { connectPerSecond: 0 } }],
  ['limits.messagesPerSecond', { limits: { messagesPerSecond: 2.5 } }],
  ['limits.messagesPerMinute', { limits: { messagesPerMinute: -100 } }],
  ['connectGate', { connectGate: {} }],
  ['messageGate', { messageGate: { acquire: () => Promise.resolve() } }],
  ['cacheTypes', { cacheTypes: 'ticker' }],
  ['cacheTypes', { cacheTypes: ['ticker', 'candle'] }],
  ['logger.warn', { logger: { debug() {}, info() {}, error() {} } }],
  ['random', { random: 0.5 }],
];

describe('createOrchestrator options', () => {
  it.each(BAD)('rejects a bad `%s` with an OptionError naming it, and starts nothing', (option, options) => {
    const before = started();
    let thrown: unknown;
    try {
      createOrchestrator(options as OrchestratorOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OptionError);
    expect(thrown).toMatchObject({ code: 'ERR_OPTION', option });
    expect((thrown as Error).message).toContain(`\`${option}\``);
    expect(started()).toEqual(before);
  });

  it('never echoes a secret in the error', () => {
    const attempt = () => createOrchestrator({ credentials: { accessKey: '', secretKey: 'top-secret-value' } });

    expect(attempt).toThrow(OptionError);
    expect(attempt).toThrow(expect.objectContaining({ value: '[redacted]' }));
    expect(attempt).not.toThrow(/top-secret-value/);
  });

  it('fills in the documented defaults', () => {
    const resolved = resolveOptions();

    expect(resolved).toMatchObject({
      endpoints: UPBIT_ENDPOINTS,
      credentials: undefined,
      debounceMs: 100,
      format: 'DEFAULT',
      heartbeat: { intervalMs: 30_000, timeoutMs: 10_000 },
      backoff: { initialMs: 500, maxMs: 30_000, stableMs: 60_000 },
      lingerMs: 5_000,
      limits: { connectPerSecond: 5, messagesPerSecond: 5, messagesPerMinute: 100 },
      cacheTypes: ['ticker', 'orderbook'],
    });
  });

  it('takes partial groups, keeping the defaults of what is left out', () => {
    const resolved = resolveOptions({ heartbeat: { timeoutMs: 2_000 }, limits: { messagesPerMinute: 50 }, endpoints: { public: 'ws://127.0.0.1:1/websocket/v1' } });

    expect(resolved.heartbeat).toEqual({ intervalMs: 30_000, timeoutMs: 2_000 });
    expect(resolved.limits).toEqual({ connectPerSecond: 5, messagesPerSecond: 5, messagesPerMinute: 50 });
    expect(resolved.endpoints).toEqual({ public: 'ws://127.0.0.1:1/websocket/v1', private: UPBIT_ENDPOINTS.private });
  });

  it('accepts zero where zero makes sense: no debounce, no linger', async () => {
    const upbit = createOrchestrator({ debounceMs: 0, lingerMs: 0 });

    expect(upbit.stats().connections.public.link).toBe('dormant');
    await upbit.close();
  });
});
