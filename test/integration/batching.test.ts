/**
 * The pending flush on the wire (issue scenarios 1–3): a burst costs one message, changes that
 * arrive while the rate gate holds are all carried by the one message it lets through, and a
 * change made while a message is being sent is never lost.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SlidingWindowGate } from '../../src/rate/index.js';
import { fieldsOf, nextSubscription, onlyConnection, realtimeStreams, streamsOf, subscribeRequests } from '../support/exchange-requests.js';
import { useFakeClock } from '../support/fake-clock.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { waitFor } from '../support/wait.js';

const noop = (): void => {};

describe('a burst of changes', () => {
  it('sends 100 registrations made in one tick as exactly one message holding every code', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const codes = Array.from({ length: 100 }, (_, i) => `KRW-C${i}`);

    codes.forEach((code, i) => upbit.register(`component-${i}`, [{ type: 'ticker', codes: [code] }], noop));
    await upbit.settled();
    const request = await nextSubscription(exchange, 0);

    expect(subscribeRequests(exchange)).toHaveLength(1);
    expect(streamsOf(fieldsOf(request))).toEqual(codes.map((code) => `ticker ${code}`).sort());
    expect(realtimeStreams(onlyConnection(exchange).subscription)).toHaveLength(100);
    const stats = upbit.stats();
    expect(stats).toMatchObject({ flushesStarted: 1, changes: 100, changesAbsorbed: 99, messagesSent: 1, subscribers: 100 });
    expect(stats.batchEfficiency).toBeCloseTo(0.99);
    expect(stats.averageBatchSize).toBe(100);
  });
});

describe("the seed's timeline, on fake time", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends changes made at T=0, 2 s and 5 s as one message at 15 s, when the rate gate is held until then', async () => {
    useFakeClock();
    const exchange = await startTestExchange();
    // A window of one message per 15 s, its one grant already spent at T=0: the gate opens at 15 s.
    const gate = new SlidingWindowGate({ windows: [{ limit: 1, intervalMs: 15_000 }] });
    expect(gate.tryAcquire()).toBe(true);
    const t0 = Date.now();
    const upbit = orchestratorFor(exchange, { debounceMs: 100, messageGate: () => gate });

    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await waitFor(upbit, 'open');
    await vi.advanceTimersByTimeAsync(2_000);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-ETH'] }, noop);
    await vi.advanceTimersByTimeAsync(3_000);
    upbit.subscribe({ type: 'orderbook', codes: ['KRW-XRP'] }, noop);
    await vi.advanceTimersByTimeAsync(9_999);

    expect(Date.now() - t0).toBe(14_999);
    expect(upbit.stats().connections.public.flush).toBe('rateWaiting');
    expect(upbit.stats().messagesSent).toBe(0);

    await vi.advanceTimersByTimeAsync(1);
    const request = await nextSubscription(exchange, 0);

    expect(request.at - t0).toBe(15_000);
    expect(subscribeRequests(exchange)).toHaveLength(1);
    expect(streamsOf(fieldsOf(request))).toEqual(['orderbook KRW-XRP.30@0', 'ticker KRW-BTC', 'ticker KRW-ETH']);
    // Counted once the server has read it (its pong is back).
    await upbit.settled();
    expect(upbit.stats()).toMatchObject({ flushesStarted: 1, changes: 3, changesAbsorbed: 2, rateWaits: 1, messagesSent: 1 });
    gate.close();
  });
});

describe('a change while a message is being sent', () => {
  it('is sent in a second message, and the exchange ends with the full state', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    // The message has been read from the registry and handed to the socket, but not yet written.
    upbit.on('state', (_kind, _link, flush) => {
      if (flush === 'sending' && upbit.stats().messagesSent === 0) upbit.subscribe({ type: 'trade', codes: ['KRW-ETH'] }, noop);
    });

    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    const first = await nextSubscription(exchange, 0);
    const second = await nextSubscription(exchange, 1);
    await upbit.settled();

    expect(streamsOf(fieldsOf(first))).toEqual(['ticker KRW-BTC']);
    expect(streamsOf(fieldsOf(second))).toEqual(['ticker KRW-BTC', 'trade KRW-ETH']);
    // What already streams is not snapshotted again; the newcomer is.
    expect(fieldsOf(second)).toEqual([
      { type: 'ticker', codes: [{ code: 'KRW-BTC' }], snapshot: false, realtime: true },
      { type: 'trade', codes: [{ code: 'KRW-ETH' }], snapshot: true, realtime: true },
    ]);
    expect(realtimeStreams(onlyConnection(exchange).subscription)).toEqual(['ticker KRW-BTC', 'trade KRW-ETH']);
    expect(upbit.stats()).toMatchObject({ messagesSent: 2, changes: 2 });
  });
});
