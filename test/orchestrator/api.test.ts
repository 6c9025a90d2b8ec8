/**
 * The orchestrator's API contract: synchronous subscribe/register with typed errors that change
 * nothing, and settled(). close() has its own file.
 */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { fieldsOf, nextSubscription, onlyConnection, realtimeStreams, streamsOf, subscribeRequests } from '../support/exchange-requests.js';
import { Inbox } from '../support/inbox.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { waitFor, waitUntil, within } from '../support/wait.js';

// Settled: in sync and nothing pending, idle or cooling down after a leading-edge send.
const SETTLED_FLUSH = expect.stringMatching(/^(idle|cooling)$/);

const noop = (): void => {};
const ALICE = { accessKey: 'alice-access', secretKey: 'alice-secret' } as const;

describe('subscribe and register', () => {
  it('a bad spec throws SpecError naming the field, and changes nothing: no wire message, stats unchanged', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    upbit.register('chart', [{ type: 'candle.1m', codes: ['KRW-XRP'] }], noop);
    await within(upbit.settled(), 'settled()');
    await nextSubscription(exchange, 0);
    const before = upbit.stats();

    const attempts: [unknown, string][] = [
      [() => upbit.subscribe({ type: 'ticker', codes: ['krw-eth'] }, noop), 'codes[0]'],
      [() => upbit.subscribe({ type: 'tickers' } as never, noop), 'type'],
      [() => upbit.subscribe({ type: 'trade', codes: [] }, noop), 'codes'],
      [() => upbit.subscribe({ type: 'myAsset', codes: ['KRW-BTC'] }, noop), 'codes'],
      [() => upbit.subscribe({ type: 'orderbook', codes: ['KRW-BTC'], depth: 7 } as never, noop), 'depth'],
      // All or nothing: the good first spec is not kept, and the component keeps what it had.
      [() => upbit.register('chart', [{ type: 'trade', codes: ['KRW-ETH'] }, { type: 'ticker', codes: ['KRW-ETH.5'] }], noop), 'specs[1].codes[0]'],
      [() => upbit.register('tape', [{ type: 'trade', codes: ['KRW-ETH'] }, { type: 'ticker', snapshot: 'sometimes' } as never], noop), 'specs[1].snapshot'],
    ];
    for (const [attempt, field] of attempts) {
      expect(attempt).toThrow(SpecError);
      expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_SPEC', field }));
    }
    expect(() => upbit.subscribe({ type: 'ticker', codes: ['KRW-ETH'] }, 'handler' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SPEC' }),
    );
    expect(() => upbit.register('', [], noop)).toThrow(expect.objectContaining({ code: 'ERR_SPEC' }));

    expect(upbit.stats()).toEqual(before);
    expect(upbit.unregister('tape')).toBe(false);
    // The next message is the second one, and it carries only valid changes.
    upbit.subscribe({ type: 'trade', codes: ['KRW-SOL'] }, noop);
    const next = await nextSubscription(exchange, 1);
    expect(streamsOf(fieldsOf(next))).toEqual(['candle.1m KRW-XRP', 'ticker KRW-BTC', 'trade KRW-SOL']);
    expect(subscribeRequests(exchange)).toHaveLength(2);
  });

  it('register replaces what a component wants atomically; unregister removes it', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const chart = new Inbox();
    upbit.register('chart', [{ type: 'ticker', codes: ['KRW-BTC'] }, { type: 'trade', codes: ['KRW-BTC'] }], chart.handler);
    await nextSubscription(exchange, 0);
    const { id } = onlyConnection(exchange);

    upbit.register('chart', [{ type: 'ticker', codes: ['KRW-ETH'] }], chart.handler);
    await nextSubscription(exchange, 1);
    expect(realtimeStreams(exchange.subscriptionOf(id)!)).toEqual(['ticker KRW-ETH']);
    await chart.until((m) => m.code === 'KRW-ETH' && m.stream_type === 'SNAPSHOT', 1, 'the KRW-ETH snapshot');

    const closed = waitFor(exchange, 'close', (event) => event.id === id);
    expect(upbit.unregister('chart')).toBe(true);
    expect(upbit.unregister('chart')).toBe(false);
    await closed;
    expect(upbit.stats()).toMatchObject({ subscribers: 0, messagesSent: 2 });
  });

  it('unsubscribe is idempotent and also runs as Symbol.dispose', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const a = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    const b = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    expect(upbit.stats().subscribers).toBe(2);

    a.unsubscribe();
    a.unsubscribe();
    a[Symbol.dispose]();
    expect(upbit.stats().subscribers).toBe(1);
    b[Symbol.dispose]();
    expect(upbit.stats().subscribers).toBe(0);
    expect(a.id).not.toBe(b.id);
  });
});

describe('settled()', () => {
  it('resolves at once when nothing is wanted and nothing is pending', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);

    await within(upbit.settled(), 'settled()');
    expect(exchange.connections()).toEqual([]);
  });

  it('resolves only once the full desired state has been written to the socket', async () => {
    const exchange = await startTestExchange({ credentials: [ALICE] });
    const upbit = orchestratorFor(exchange, { credentials: ALICE });
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    upbit.subscribe({ type: 'myOrder' }, noop);

    await within(upbit.settled(), 'settled()');

    expect(upbit.stats().connections.public).toMatchObject({ link: 'open', flush: SETTLED_FLUSH, messagesSent: 1 });
    expect(upbit.stats().connections.private).toMatchObject({ link: 'open', flush: SETTLED_FLUSH, messagesSent: 1 });
    // Written, so it reaches the exchange (Upbit answers nothing on success).
    await waitUntil(() => subscribeRequests(exchange).length === 2, [[exchange, 'request']], 'both requests');
  });
});

describe('the changes of one tick', () => {
  it('reach the charts as one event per connection, and the counters still count every change', async () => {
    const exchange = await startTestExchange();
    const told: number[] = [];
    const upbit = orchestratorFor(exchange, {
      inspect: (event) => {
        if (event.type === '@xstate.event' && event.event.type === 'registry.changed' && event.actorRef === upbit.actor) {
          told.push(Number((event.event as { changes?: unknown }).changes));
        }
      },
    });
    const codes = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE'];
    for (const code of codes) upbit.subscribe({ type: 'ticker', codes: [code] }, noop);
    upbit.subscribe({ type: 'trade', codes: ['KRW-BTC'] }, noop);
    // Nothing told yet: settled() called now waits for the whole tick's changes.
    expect(told).toEqual([]);
    await within(upbit.settled(), 'settled()');

    expect(told).toEqual([6]);
    expect(upbit.stats().connections.public).toMatchObject({ changes: 6, changesAbsorbed: 5, flushesStarted: 1, messagesSent: 1 });
    const [request] = subscribeRequests(exchange);
    expect(streamsOf(fieldsOf(request!))).toHaveLength(6);
  });

  it('that cancel out leave an idle connection alone: no message, no rate token', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    await within(upbit.settled(), 'settled()');
    await waitUntil(() => upbit.stats().connections.public.flush === 'idle', [[upbit, 'state']], 'the flush idle after its cooling');
    const before = upbit.stats().connections.public;

    const passing = upbit.subscribe({ type: 'trade', codes: ['KRW-ETH'] }, noop);
    passing.unsubscribe();
    await within(upbit.settled(), 'settled()');
    // Longer than the debounce and the cooling: nothing was left pending to go out later.
    await new Promise((resolve) => setTimeout(resolve, 50));

    const after = upbit.stats().connections.public;
    expect(after).toMatchObject({ flush: 'idle', messagesSent: before.messagesSent, rateWaits: before.rateWaits, headroom: before.headroom });
    expect(after.changes).toBe(before.changes + 2);
    expect(after.duplicatesPrevented).toBe(before.duplicatesPrevented + 1);
    expect(subscribeRequests(exchange)).toHaveLength(1);
  });
});

describe('unsubscribe()', () => {
  it('stops delivery at once, even when another handler calls it mid-delivery', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const host = new Inbox();
    const victimSaw: number[] = [];
    let victim: { unsubscribe(): void } | undefined;
    // The host is subscribed first, so it runs first on every frame; on its second it removes the victim.
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, (message) => {
      host.handler(message);
      if (host.messages.length === 2) victim?.unsubscribe();
    });
    victim = upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => victimSaw.push(host.messages.length));
    await within(upbit.settled(), 'settled()');
    for (let i = 0; i < 4; i++) exchange.tick();
    await host.until(() => true, 4, 'ticker frames');
    expect(victimSaw).toEqual([1]);
  });
});
