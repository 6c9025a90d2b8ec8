import { describe, expect, it } from 'vitest';
import { SpecError, UpstateError } from '../../src/errors.js';
import { bearer, connect, request } from './client.js';
import { ALICE, exchange } from './fixtures.js';

/** Whether `promise` has settled by the time pending I/O and microtasks have run once. */
async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('handle.untilSubscribed', () => {
  it('resolves with the connection once a request that streams the spec has arrived, not before', async () => {
    const ex = await exchange({ tickMs: 0 });
    const client = await connect(ex.url);
    const waiting = ex.untilSubscribed({ type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] });
    client.send(request([{ type: 'ticker', codes: ['KRW-BTC'] }]));
    await client.next(); // the BTC snapshot: the request has been handled
    expect(await settledYet(waiting)).toBe(false);
    client.send(request([{ type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] }]));
    const connection = await waiting;
    expect(connection.id).toBe(ex.connections()[0]!.id);
    expect(connection.subscription.map((field) => field.type)).toEqual(['ticker']);
  });

  it('resolves at once when a connection already streams it', async () => {
    const ex = await exchange({ tickMs: 0 });
    const client = await connect(ex.url);
    client.send(request([{ type: 'orderbook', codes: ['KRW-ETH.15'] }]));
    await client.next();
    await expect(ex.untilSubscribed({ type: 'orderbook', codes: ['KRW-ETH'] })).resolves.toMatchObject({ kind: 'public' });
    await expect(ex.untilSubscribed({ type: 'orderbook', codes: ['KRW-ETH'], depth: 15 })).resolves.toMatchObject({ kind: 'public' });
    expect(await settledYet(ex.untilSubscribed({ type: 'orderbook', codes: ['KRW-ETH'], depth: 5 }))).toBe(false);
  });

  it('does not count snapshot-only fields, which stream nothing', async () => {
    const ex = await exchange({ tickMs: 0 });
    const client = await connect(ex.url);
    client.send(request([{ type: 'trade', codes: ['KRW-XRP'], isOnlySnapshot: true }]));
    await client.next();
    expect(await settledYet(ex.untilSubscribed({ type: 'trade', codes: ['KRW-XRP'] }))).toBe(false);
  });

  it('waits for private streams on the private endpoint', async () => {
    const ex = await exchange({ tickMs: 0, credentials: [ALICE] });
    const client = await connect(ex.privateUrl, bearer(ALICE));
    const waiting = ex.untilSubscribed({ type: 'myOrder', codes: ['KRW-BTC'] });
    const everyMarket = ex.untilSubscribed({ type: 'myOrder' });
    client.send(request([{ type: 'myOrder', codes: ['KRW-BTC'] }]));
    await expect(waiting).resolves.toMatchObject({ kind: 'private', accessKey: ALICE.accessKey });
    expect(await settledYet(everyMarket)).toBe(false);
    client.send(request([{ type: 'myOrder' }]));
    await expect(everyMarket).resolves.toMatchObject({ kind: 'private' });
  });

  it("rejects with the signal's reason when it aborts", async () => {
    const ex = await exchange({ tickMs: 0 });
    const controller = new AbortController();
    const waiting = ex.untilSubscribed({ type: 'ticker', codes: ['KRW-BTC'] }, { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    expect(ex.listenerCount('request')).toBe(0);
  });

  it('rejects with ERR_CLOSED when the exchange closes first', async () => {
    const ex = await exchange({ tickMs: 0 });
    const waiting = ex.untilSubscribed({ type: 'ticker', codes: ['KRW-BTC'] });
    await ex.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(ex.untilSubscribed({ type: 'ticker', codes: ['KRW-BTC'] })).rejects.toBeInstanceOf(UpstateError);
  });

  it('rejects a bad spec, or a snapshot-only one, with a SpecError naming the field', async () => {
    const ex = await exchange({ tickMs: 0 });
    await expect(ex.untilSubscribed({ type: 'ticker', codes: ['btc'] })).rejects.toMatchObject({ field: 'codes[0]' });
    await expect(ex.untilSubscribed({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' })).rejects.toBeInstanceOf(SpecError);
    expect(ex.listenerCount('request')).toBe(0);
  });
});
