import { afterEach, describe, expect, it } from 'vitest';
import { comparisonLines } from '../../src/cli/comparison-report.js';
import { MAX_COMPARISON_REQUESTS, scenarioChanges } from '../../src/cli/comparison.js';
import { upbitMessageGate } from '../../src/rate/upbit.js';
import { NaiveSender } from '../../src/cli/naive-sender.js';
import { upbitConnectGate } from '../../src/rate/index.js';
import { startExchange, type ExchangeHandle } from '../../src/sim/index.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('scenarioChanges', () => {
  it('gives each of up to 100 requests its own stream', () => {
    const changes = scenarioChanges(MAX_COMPARISON_REQUESTS);
    expect(new Set(changes.map(({ type, code }) => `${type}|${code}`)).size).toBe(100);
    expect(scenarioChanges(3)).toEqual([
      { type: 'ticker', code: 'KRW-BTC' },
      { type: 'ticker', code: 'KRW-ETH' },
      { type: 'ticker', code: 'KRW-XRP' },
    ]);
  });
});

describe('NaiveSender', () => {
  async function setup(): Promise<{ exchange: ExchangeHandle; naive: NaiveSender }> {
    const exchange = await startExchange({ tickMs: 0 });
    const connect = upbitConnectGate();
    const message = upbitMessageGate();
    const naive = new NaiveSender(exchange.url, { connect, message });
    cleanups.push(() => exchange.close(), () => connect.close(), () => message.close(), () => naive.close());
    return { exchange, naive };
  }

  it('sends one message per change, each with the full state read at send time', async () => {
    const { exchange, naive } = await setup();
    await Promise.all(scenarioChanges(3).map(({ type, code }) => naive.change(type, code)));
    expect(naive.sent).toBe(3);
    await until(() => exchange.requests.length === 3);
    // All three changes were in before the first task got its turn: every message carries all of them.
    for (const record of exchange.requests) {
      expect(record.result).toMatchObject({
        ok: true,
        kind: 'subscribe',
        fields: [{ type: 'ticker', codes: [{ code: 'KRW-BTC' }, { code: 'KRW-ETH' }, { code: 'KRW-XRP' }] }],
      });
    }
  });

  it('waits on the message gate: the sixth message of a burst arrives a second after the first, and is accepted', async () => {
    const { exchange, naive } = await setup();
    const sends = scenarioChanges(6).map(({ type, code }) => naive.change(type, code));
    await Promise.all(sends.slice(0, 5));
    expect(naive.sent).toBe(5);
    await Promise.all(sends);
    await until(() => exchange.requests.length === 6);
    expect(exchange.requests[5]!.at - exchange.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(exchange.requests.every((record) => record.result.ok)).toBe(true);
  });
});

describe('comparisonLines', () => {
  it('prints both sides and naive ÷ flush ratios', () => {
    const lines = comparisonLines([
      { requests: 1, naive: { messages: 1, fullStateMs: 20, settledMs: 20 }, flush: { messages: 1, fullStateMs: 105, settledMs: 105 } },
      { requests: 100, naive: { messages: 100, fullStateMs: 21, settledMs: 19_043 }, flush: { messages: 1, fullStateMs: 104, settledMs: 104 } },
    ]);
    const rows = lines.filter((line) => /^\s+\d+\s/.test(line)).map((line) => line.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['1', '1', '20 ms', '20 ms', '1', '105 ms', '105 ms', '1×', '0.19×'],
      ['100', '100', '21 ms', '19.04 s', '1', '104 ms', '104 ms', '100×', '183×'],
    ]);
    expect(lines.some((line) => /^\s+naive: a message per change\s+pending flush\s+naive ÷ flush$/.test(line))).toBe(true);
  });
});

/** Polls `condition` on the event loop (the exchange records messages asynchronously). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
