/**
 * `stats()`: the seed's metrics (flushes created, changes absorbed, batch efficiency, average
 * batch size, rate waits, duplicates prevented, messages) and the per-connection reports.
 */
import { describe, expect, it } from 'vitest';
import { nextSubscription, subscribeRequests } from '../support/exchange-requests.js';
import { Inbox } from '../support/inbox.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { waitUntil, within } from '../support/wait.js';

// Settled: in sync and nothing pending, idle or cooling down after a leading-edge send.
const SETTLED_FLUSH = expect.stringMatching(/^(idle|cooling)$/);

const noop = (): void => {};
const ALICE = { accessKey: 'alice-access', secretKey: 'alice-secret' } as const;

describe('stats()', () => {
  it('starts at zero, with both connections dormant', async () => {
    const upbit = orchestratorFor(await startTestExchange());

    expect(upbit.stats()).toMatchObject({
      flushesStarted: 0,
      changes: 0,
      changesAbsorbed: 0,
      duplicatesPrevented: 0,
      rateWaits: 0,
      messagesSent: 0,
      sendFailures: 0,
      batchEfficiency: 0,
      averageBatchSize: 0,
      connectionsOpened: 0,
      reconnects: 0,
      subscribers: 0,
      deliveries: 0,
    });
    for (const kind of ['public', 'private'] as const) {
      expect(upbit.stats().connections[kind]).toMatchObject({ link: 'dormant', flush: 'idle', lastError: undefined, headroom: 5 });
    }
  });

  it('counts a burst as one flush: changes absorbed, batch efficiency and average batch size', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    for (let i = 0; i < 10; i++) upbit.subscribe({ type: 'trade', codes: [`KRW-T${i}`] }, noop);
    await within(upbit.settled(), 'settled()');

    expect(upbit.stats()).toMatchObject({
      flushesStarted: 1,
      changes: 10,
      changesAbsorbed: 9,
      batchEfficiency: 0.9,
      averageBatchSize: 10,
      rateWaits: 1,
      messagesSent: 1,
      connectionsOpened: 1,
      subscribers: 10,
    });
    // One message spent of Upbit's 5 per second (and 100 per minute).
    expect(upbit.stats().connections.public.headroom).toBe(4);
  });

  it('counts changes that cancel out as a duplicate prevented, with no message and no rate token', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await within(upbit.settled(), 'settled()');
    await nextSubscription(exchange, 0);

    const passing = upbit.subscribe({ type: 'trade', codes: ['KRW-ETH'] }, noop);
    passing.unsubscribe();
    await within(upbit.settled(), 'settled()');

    expect(upbit.stats()).toMatchObject({
      flushesStarted: 2,
      changes: 3,
      changesAbsorbed: 1,
      duplicatesPrevented: 1,
      rateWaits: 1,
      messagesSent: 1,
    });
    expect(upbit.stats().averageBatchSize).toBe(1.5);
    expect(upbit.stats().batchEfficiency).toBeCloseTo(1 / 3);
    // Nothing went out: the next message on the wire is the second.
    upbit.subscribe({ type: 'trade', codes: ['KRW-SOL'] }, noop);
    await nextSubscription(exchange, 1);
    expect(subscribeRequests(exchange)).toHaveLength(2);
  });

  it('sums both connections, reports each, and counts deliveries', async () => {
    const exchange = await startTestExchange({ credentials: [ALICE] });
    const upbit = orchestratorFor(exchange, { credentials: ALICE });
    const tickers = new Inbox();
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, tickers.handler);
    upbit.subscribe({ type: 'myOrder' }, tickers.handler);
    await within(upbit.settled(), 'settled()');
    await tickers.until((m) => m.stream_type === 'SNAPSHOT', 1, 'the ticker snapshot');
    await waitUntil(() => subscribeRequests(exchange).length === 2, [[exchange, 'request']], 'both requests');
    exchange.injectMyOrder(ALICE.accessKey);
    await tickers.until((m) => m.type === 'myOrder', 1, 'the myOrder event');

    const stats = upbit.stats();
    expect(stats.connections.public).toMatchObject({ link: 'open', flush: SETTLED_FLUSH, opened: 1, messagesSent: 1, changes: 1 });
    expect(stats.connections.private).toMatchObject({ link: 'open', flush: SETTLED_FLUSH, opened: 1, messagesSent: 1, changes: 1 });
    expect(stats).toMatchObject({ messagesSent: 2, changes: 2, flushesStarted: 2, connectionsOpened: 2, subscribers: 2 });
    expect(stats.deliveries).toBe(tickers.count());
  });
});
