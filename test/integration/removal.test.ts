/**
 * Removals reach the exchange (issue scenario 4; the seed's defects 2 and 3): Upbit has no
 * unsubscribe, so a code nobody wants any more goes by resending the rest, and a connection
 * nobody needs lingers, then closes.
 */
import { describe, expect, it } from 'vitest';
import { fieldsOf, nextSubscription, onlyConnection, realtimeStreams, subscribeRequests } from '../support/exchange-requests.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { waitFor } from '../support/wait.js';

const noop = (): void => {};

describe('the last subscriber of a code leaves', () => {
  it('the exchange stops streaming that code, and keeps what others still want', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const a = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    const a2 = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-ETH'] }, noop);
    await nextSubscription(exchange, 0);
    const { id } = onlyConnection(exchange);
    expect(realtimeStreams(exchange.subscriptionOf(id)!)).toEqual(['ticker KRW-BTC', 'ticker KRW-ETH']);

    // One of two subscribers of KRW-BTC leaves: the desired state is the same, nothing to send.
    const before = upbit.stats().changes;
    a.unsubscribe();
    await upbit.settled();
    expect(upbit.stats().changes).toBe(before);

    a2.unsubscribe();
    const request = await nextSubscription(exchange, 1);

    expect(realtimeStreams(fieldsOf(request))).toEqual(['ticker KRW-ETH']);
    expect(realtimeStreams(exchange.subscriptionOf(id)!)).toEqual(['ticker KRW-ETH']);
    expect(subscribeRequests(exchange)).toHaveLength(2);
  });

  it("A's ticker/BTC and B's ticker/ETH both leave: nothing streams, the connection lingers, then closes", async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange, { lingerMs: 20 });
    const a = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    const b = upbit.subscribe({ type: 'ticker', codes: ['KRW-ETH'] }, noop);
    await nextSubscription(exchange, 0);
    const { id } = onlyConnection(exchange);
    const links: string[] = [];
    upbit.on('state', (_kind, link) => links.push(link));
    const closedByClient = waitFor(exchange, 'close', (event) => event.id === id);
    const closed = waitFor(upbit, 'close');

    a.unsubscribe();
    b.unsubscribe();
    const [event] = await closedByClient;
    await closed;

    expect(event.cause).toBe('client');
    expect(exchange.connections()).toEqual([]);
    // Upbit refuses an empty request: the connection closed instead of sending one.
    expect(subscribeRequests(exchange)).toHaveLength(1);
    expect(links).toContain('lingering');
    expect(links.at(-1)).toBe('dormant');
    expect(upbit.stats().connections.public).toMatchObject({ link: 'dormant', flush: 'idle', messagesSent: 1 });
  });

  it('a subscriber that comes back while the connection lingers keeps it, with no second message', async () => {
    const exchange = await startTestExchange();
    // Long enough that the comeback surely lands inside it.
    const upbit = orchestratorFor(exchange, { lingerMs: 60_000 });
    const a = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await nextSubscription(exchange, 0);
    const lingering = waitFor(upbit, 'state', (_kind, link) => link === 'lingering');
    a.unsubscribe();
    await lingering;

    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await waitFor(upbit, 'state', (_kind, link, flush) => link === 'open' && flush === 'idle');

    expect(upbit.stats()).toMatchObject({ duplicatesPrevented: 1, messagesSent: 1, connectionsOpened: 1 });
    expect(exchange.connections()).toHaveLength(1);
  });
});
