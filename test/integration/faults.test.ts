/**
 * Reconnection (issue scenario 5; the seed's defect 4): after an abrupt close, a half-open link
 * and a restart that loses the server's state, the orchestrator opens a new connection, which
 * ends up with exactly the desired state, and the snapshots come again.
 */
import { describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { upbitConnectGate } from '../../src/rate/index.js';
import type { ExchangeHandle } from '../../src/sim/index.js';
import { nextSubscription, onlyConnection, realtimeStreams, subscribeRequests } from '../support/exchange-requests.js';
import { Inbox } from '../support/inbox.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { waitFor } from '../support/wait.js';

const DESIRED = ['orderbook KRW-ETH.15@0', 'ticker KRW-BTC', 'trade KRW-XRP'];

/** Three subscribers, one of them realtime-only; resolves once the first connection has them. */
async function subscribed(exchange: ExchangeHandle, upbit: Orchestrator) {
  const ticker = new Inbox();
  const book = new Inbox();
  upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, ticker.handler);
  upbit.subscribe({ type: 'orderbook', codes: ['KRW-ETH'], depth: 15 }, book.handler);
  upbit.subscribe({ type: 'trade', codes: ['KRW-XRP'], snapshot: 'exclude' }, () => {});
  await nextSubscription(exchange, 0);
  await ticker.until((m) => m.stream_type === 'SNAPSHOT', 1, 'ticker snapshot');
  await book.until((m) => m.stream_type === 'SNAPSHOT', 1, 'orderbook snapshot');
  return { first: onlyConnection(exchange).id, ticker, book };
}

/** The new connection holds the desired state, asks for snapshots again, and they arrive. */
async function expectRestored(exchange: ExchangeHandle, first: string, ticker: Inbox, book: Inbox): Promise<void> {
  const request = await nextSubscription(exchange, 1);
  const connection = onlyConnection(exchange);
  expect(connection.id).not.toBe(first);
  expect(request.connectionId).toBe(connection.id);
  expect(realtimeStreams(exchange.subscriptionOf(connection.id)!)).toEqual(DESIRED);
  // A fresh connection holds nothing: every stream that wants a snapshot asks for it again.
  expect(
    exchange.subscriptionOf(connection.id)!.map(({ type, snapshot, realtime }) => ({ type, snapshot, realtime })),
  ).toEqual([
    { type: 'ticker', snapshot: true, realtime: true },
    { type: 'trade', snapshot: false, realtime: true },
    { type: 'orderbook', snapshot: true, realtime: true },
  ]);
  await ticker.until((m) => m.stream_type === 'SNAPSHOT', 2, 'ticker snapshots');
  await book.until((m) => m.stream_type === 'SNAPSHOT', 2, 'orderbook snapshots');
  expect(book.messages.every((m) => m.type === 'orderbook' && m.orderbook_units.length === 15)).toBe(true);
  expect(subscribeRequests(exchange)).toHaveLength(2);
}

describe('reconnection', () => {
  it('after an abrupt close (faults.drop)', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const { first, ticker, book } = await subscribed(exchange, upbit);
    const reconnecting = waitFor(upbit, 'reconnecting');

    expect(exchange.faults.drop()).toBe(1);

    const [kind, attempt] = await reconnecting;
    expect([kind, attempt]).toEqual(['public', 1]);
    await expectRestored(exchange, first, ticker, book);
    await upbit.settled();
    expect(upbit.stats()).toMatchObject({ connectionsOpened: 2, reconnects: 1, messagesSent: 2 });
    expect(upbit.stats().connections.public.failures).toBe(1);
  });

  it('after a half-open link goes silent (faults.silence), found by the heartbeat', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange, { heartbeat: { intervalMs: 20, timeoutMs: 100 } });
    const { first, ticker, book } = await subscribed(exchange, upbit);
    const oldClosed = waitFor(exchange, 'close', (event) => event.id === first);

    expect(exchange.faults.silence(true)).toBe(1);

    await expectRestored(exchange, first, ticker, book);
    // The stale link was closed by the client, not left open beside the new one.
    const [closed] = await oldClosed;
    expect(closed.cause).toBe('client');
    expect(upbit.stats().connections.public.stale).toBe(1);
  });

  it('after a restart that forgets every subscription (faults.restart)', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const { first, ticker, book } = await subscribed(exchange, upbit);
    const oldClosed = waitFor(exchange, 'close', (event) => event.id === first);

    exchange.faults.restart();

    const [closed] = await oldClosed;
    expect(closed.cause).toBe('restart');
    await expectRestored(exchange, first, ticker, book);
  });

  it('counts refused attempts as failures, not as opens, and still gets back in', async () => {
    const exchange = await startTestExchange();
    // Quick retries: the process-side connection budget is not what this test is about.
    const upbit = orchestratorFor(exchange, { connectGate: upbitConnectGate(100) });
    const { first, ticker, book } = await subscribed(exchange, upbit);
    const refused = waitFor(exchange, 'refused');

    exchange.faults.refuseUpgrades(60, 503);
    exchange.faults.drop();

    const [refusal] = await refused;
    expect(refusal.status).toBe(503);
    await expectRestored(exchange, first, ticker, book);
    const { connections, connectionsOpened, reconnects } = upbit.stats();
    expect({ connectionsOpened, reconnects }).toEqual({ connectionsOpened: 2, reconnects: 1 });
    expect(connections.public.failures).toBe(1 + exchange.counters.connectionsRefused);
    expect(exchange.counters.connectionsAccepted).toBe(2);
  });
});
