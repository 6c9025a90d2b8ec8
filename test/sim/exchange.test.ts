import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { UpstateError } from '../../src/errors.js';
import { parseRequest } from '../../src/protocol/upbit/request.js';
import { bearer, connect, connectRefused, jsonOf, request } from './client.js';
import { ALICE, eventsOf, exchange, nextEvent, requestsRecorded } from './fixtures.js';

const TICKER_BTC = { type: 'ticker', codes: ['KRW-BTC'] };

/** Ticks, then waits until everything the ticks produced has arrived, and returns it. */
async function tickAndCollect(
  handle: Awaited<ReturnType<typeof exchange>>,
  client: Awaited<ReturnType<typeof connect>>,
  ticks: number,
) {
  handle.tick(ticks);
  await client.roundTrip();
  return client.drain().map(jsonOf);
}

describe('subscribing', () => {
  it('sends a SNAPSHOT at once, then REALTIME messages as the market ticks, as binary DEFAULT frames', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([TICKER_BTC]));

    const snapshot = await client.next();
    expect(snapshot.binary).toBe(true);
    expect(jsonOf(snapshot)).toMatchObject({ type: 'ticker', code: 'KRW-BTC', stream_type: 'SNAPSHOT' });

    const realtime = await tickAndCollect(ex, client, 20);
    expect(realtime.length).toBeGreaterThan(0);
    for (const message of realtime) expect(message).toMatchObject({ type: 'ticker', code: 'KRW-BTC', stream_type: 'REALTIME' });
  });

  it('uses abbreviated keys with format SIMPLE', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([{ type: 'trade', codes: ['KRW-ETH'] }], 'SIMPLE'));

    const snapshot = jsonOf(await client.next());
    expect(snapshot).toMatchObject({ ty: 'trade', cd: 'KRW-ETH', st: 'SNAPSHOT' });
    expect(snapshot).not.toHaveProperty('type');
    expect(typeof snapshot.tp).toBe('number');

    const realtime = await tickAndCollect(ex, client, 20);
    expect(realtime.length).toBeGreaterThan(0);
    for (const message of realtime) expect(message).toMatchObject({ ty: 'trade', cd: 'KRW-ETH', st: 'REALTIME' });
  });

  it('sends arrays with JSON_LIST and SIMPLE_LIST', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([TICKER_BTC, { type: 'trade', codes: ['KRW-BTC'] }], 'JSON_LIST'));
    const list = (await client.next()).json as Record<string, unknown>[];
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((message) => message.type)).toEqual(['ticker', 'trade']);

    client.send(request([TICKER_BTC], 'SIMPLE_LIST'));
    const simpleList = (await client.next()).json as Record<string, unknown>[];
    expect(simpleList).toEqual([expect.objectContaining({ ty: 'ticker', cd: 'KRW-BTC', st: 'SNAPSHOT' })]);
  });

  it('sends only the snapshot with isOnlySnapshot, and no snapshot with isOnlyRealtime', async () => {
    const ex = await exchange();
    const snapshotOnly = await connect(ex.url);
    const realtimeOnly = await connect(ex.url);
    snapshotOnly.send(request([{ ...TICKER_BTC, isOnlySnapshot: true }]));
    realtimeOnly.send(request([{ ...TICKER_BTC, is_only_realtime: true }]));
    await snapshotOnly.next();
    await requestsRecorded(ex, 2);

    const afterSnapshot = await tickAndCollect(ex, snapshotOnly, 20);
    expect(afterSnapshot).toEqual([]);
    await realtimeOnly.roundTrip();
    const streamed = realtimeOnly.drain().map(jsonOf);
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed.every((message) => message.stream_type === 'REALTIME')).toBe(true);
  });

  it('replaces the whole subscription and its format with each accepted request', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([TICKER_BTC]));
    await client.next();

    client.send(request([{ type: 'trade', codes: ['KRW-ETH'] }], 'SIMPLE'));
    expect(jsonOf(await client.next())).toMatchObject({ ty: 'trade', cd: 'KRW-ETH', st: 'SNAPSHOT' });
    const [connection] = ex.connections();
    expect(connection?.format).toBe('SIMPLE');
    expect(ex.subscriptionOf(connection?.id ?? '')?.map((field) => field.type)).toEqual(['trade']);

    const realtime = await tickAndCollect(ex, client, 30);
    expect(realtime.length).toBeGreaterThan(0);
    for (const message of realtime) expect(message).toMatchObject({ ty: 'trade', cd: 'KRW-ETH' });
  });

  it('serves full orderbooks at the requested depth and level, with the level echoed', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([{ type: 'orderbook', codes: ['KRW-ETH.5', 'KRW-BTC'], level: 10000 }]));
    const [eth, btc] = (await client.take(2)).map(jsonOf);

    expect(eth).toMatchObject({ type: 'orderbook', code: 'KRW-ETH', level: 10000, stream_type: 'SNAPSHOT' });
    const units = eth?.orderbook_units as { ask_price: number; bid_price: number }[];
    expect(units).toHaveLength(5);
    for (const unit of units) {
      expect(unit.ask_price % 10000).toBe(0);
      expect(unit.bid_price % 10000).toBe(0);
    }
    expect(btc?.orderbook_units).toHaveLength(30);
  });

  it('sends candles with the same candle time until the candle closes', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([{ type: 'candle.240m', codes: ['KRW-BTC'] }]));
    const snapshot = jsonOf(await client.next());
    expect(snapshot).toMatchObject({ type: 'candle.240m', code: 'KRW-BTC', stream_type: 'SNAPSHOT' });
    expect(snapshot.candle_date_time_utc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);

    const realtime = await tickAndCollect(ex, client, 5);
    // One realtime candle at most: they are throttled to one a second per unit.
    expect(realtime).toHaveLength(1);
    expect(realtime[0]?.candle_date_time_utc).toBe(snapshot.candle_date_time_utc);
  });

  it('streams the same market for the same seed', async () => {
    const walk = async (seed: number) => {
      const ex = await exchange({ seed });
      const client = await connect(ex.url);
      client.send(request([{ type: 'trade', codes: ['KRW-BTC'], isOnlyRealtime: true }]));
      await nextEvent(ex, 'request');
      const trades = await tickAndCollect(ex, client, 50);
      return trades.map(({ trade_price, trade_volume, ask_bid }) => [trade_price, trade_volume, ask_bid]);
    };
    const first = await walk(11);
    expect(first.length).toBeGreaterThan(20);
    expect(await walk(11)).toEqual(first);
    expect(await walk(12)).not.toEqual(first);
  });

  it('accepts codes of markets it does not list, and sends nothing for them', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([{ type: 'ticker', codes: ['KRW-NOPE'] }]));
    await nextEvent(ex, 'request');
    const frames = await tickAndCollect(ex, client, 20);
    expect(frames).toEqual([]);
    expect(ex.subscriptionOf(ex.connections()[0]?.id ?? '')).toEqual([
      { type: 'ticker', codes: [{ code: 'KRW-NOPE' }], snapshot: true, realtime: true },
    ]);
  });
});

describe('LIST_SUBSCRIPTIONS', () => {
  it('lists the current streams in DEFAULT names', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([TICKER_BTC, { type: 'orderbook', codes: ['KRW-ETH.15', 'KRW-XRP'], isOnlyRealtime: true }]));
    client.send([{ ticket: 'list-1' }, { method: 'LIST_SUBSCRIPTIONS' }]);
    const reply = await client.until((frame) => jsonOf(frame).method !== undefined);
    expect(jsonOf(reply)).toEqual({
      method: 'LIST_SUBSCRIPTIONS',
      result: [
        { type: 'ticker', codes: ['KRW-BTC'] },
        { type: 'orderbook', codes: ['KRW-ETH.15', 'KRW-XRP'], level: 0 },
      ],
      ticket: 'list-1',
    });
  });

  it('answers in SIMPLE keys, and switches the live streams to the format it names', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([{ ...TICKER_BTC, isOnlyRealtime: true }]));
    client.send([{ ticket: 'list-2' }, { method: 'LIST_SUBSCRIPTIONS' }, { format: 'SIMPLE' }]);
    const reply = await client.next();
    expect(jsonOf(reply)).toEqual({ mthd: 'LIST_SUBSCRIPTIONS', rslt: [{ ty: 'ticker', cds: ['KRW-BTC'] }], tckt: 'list-2' });

    const realtime = await tickAndCollect(ex, client, 20);
    expect(realtime.length).toBeGreaterThan(0);
    for (const message of realtime) expect(message).toMatchObject({ ty: 'ticker', st: 'REALTIME' });
    expect(ex.requests.map((record) => record.result)).toEqual([
      expect.objectContaining({ kind: 'subscribe' }),
      { ok: true, kind: 'list', ticket: 'list-2', format: 'SIMPLE' },
    ]);
  });
});

describe('keepalive', () => {
  it('answers a text PING with {"status":"UP"} in a binary frame', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send('PING');
    const frame = await client.next();
    expect(frame.binary).toBe(true);
    expect(frame.json).toEqual({ status: 'UP' });
    expect(ex.requests[0]).toMatchObject({ text: 'PING', result: { ok: true, kind: 'ping' } });
    expect(ex.counters.statusSent).toBe(1);
  });

  it('answers protocol pings with pongs', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    await client.roundTrip();
    expect(ex.counters.messagesReceived).toBe(0);
  });
});

describe('error frames', () => {
  const badRequests: readonly [string, string][] = [
    ['NO_TICKET', JSON.stringify([TICKER_BTC])],
    ['NO_TYPE', JSON.stringify([{ ticket: 't' }])],
    ['NO_CODES', JSON.stringify([{ ticket: 't' }, { type: 'ticker' }])],
    ['WRONG_FORMAT', 'not json'],
    ['WRONG_FORMAT', JSON.stringify([{ ticket: 't' }, { type: 'myAsset', codes: [] }])],
    ['INVALID_PARAM', JSON.stringify([{ ticket: 't' }, { type: 'tickr', codes: ['KRW-BTC'] }])],
    ['INVALID_PARAM', JSON.stringify([{ ticket: 't' }, { type: 'ticker', codes: ['BTC'] }])],
  ];

  it.each(badRequests)('answers %s exactly as parseRequest reports it, and changes nothing', async (name, text) => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([TICKER_BTC], 'SIMPLE'));
    await client.next();
    const id = ex.connections()[0]?.id ?? '';
    const before = ex.subscriptionOf(id);

    client.send(text);
    const expected = parseRequest(text);
    expect(expected).toMatchObject({ ok: false, error: name });
    const frame = await client.next();
    expect(frame.json).toEqual({ error: { name, message: (expected as { message: string }).message } });

    expect(ex.subscriptionOf(id)).toBe(before);
    expect(ex.connections()[0]?.format).toBe('SIMPLE');
    expect(ex.counters.messagesRejected).toBe(1);
    const realtime = await tickAndCollect(ex, client, 20);
    expect(realtime.length).toBeGreaterThan(0);
    for (const message of realtime) expect(message).toMatchObject({ ty: 'ticker', cd: 'KRW-BTC' });
  });

  it('answers a lower-case code with nothing, as Upbit was seen to; INVALID_PARAM with lowerCaseCodes: reject', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(JSON.stringify([{ ticket: 't' }, { type: 'ticker', codes: ['krw-btc'] }]));
    await requestsRecorded(ex, 1);
    ex.tick(20);
    await client.roundTrip();
    expect(client.drain()).toEqual([]);
    expect(ex.counters.messagesRejected).toBe(0);
    expect(ex.subscriptionOf(ex.connections()[0]!.id)).toMatchObject([{ type: 'ticker', codes: [{ code: 'krw-btc' }] }]);

    const strict = await exchange({ lowerCaseCodes: 'reject' });
    const refused = await connect(strict.url);
    refused.send(JSON.stringify([{ ticket: 't' }, { type: 'ticker', codes: ['krw-btc'] }]));
    expect((await refused.next()).json).toEqual({ error: { name: 'INVALID_PARAM', message: 'type field 0: codes[0]: "krw-btc" must be upper case' } });
  });

  it('answers myOrder / myAsset on the public endpoint with INVALID_AUTH and keeps the connection', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    client.send(request([TICKER_BTC, { type: 'myOrder' }]));
    expect(jsonOf(await client.next())).toEqual({
      error: { name: 'INVALID_AUTH', message: 'myOrder needs an authenticated connection to the private endpoint' },
    });
    expect(ex.subscriptionOf(ex.connections()[0]?.id ?? '')).toEqual([]);
    await client.roundTrip();
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('answers public types on the private endpoint with INVALID_PARAM', async () => {
    const ex = await exchange({ credentials: [ALICE] });
    const client = await connect(ex.privateUrl, bearer(ALICE));
    client.send(request([{ type: 'myAsset' }, TICKER_BTC]));
    expect(jsonOf(await client.next())).toEqual({
      error: { name: 'INVALID_PARAM', message: 'ticker is not served on the private endpoint' },
    });
  });
});

describe('the handle', () => {
  it('refuses unknown paths with 404', async () => {
    const ex = await exchange();
    const refusal = await connectRefused(ex.url.replace('/websocket/v1', '/websocket/v2'));
    expect(refusal.status).toBe(404);
    expect(ex.counters.connectionsRefused).toBe(1);
  });

  it('answers plain HTTP with 426 on the WebSocket paths and 404 elsewhere', async () => {
    const ex = await exchange();
    const base = `http://127.0.0.1:${ex.port}`;
    expect((await fetch(`${base}/websocket/v1`)).status).toBe(426);
    expect((await fetch(`${base}/websocket/v1/private`)).status).toBe(426);
    expect((await fetch(`${base}/v1/ticker`)).status).toBe(404);
  });

  it('records every client message and describes every connection', async () => {
    const ex = await exchange();
    const connected = nextEvent(ex, 'connection');
    const client = await connect(ex.url);
    const info = await connected;
    expect(info).toMatchObject({ id: 'c1', path: '/websocket/v1', kind: 'public', remoteAddress: '127.0.0.1', format: 'DEFAULT' });

    const recorded = nextEvent(ex, 'request');
    client.ws.send(Buffer.from(JSON.stringify(request([TICKER_BTC], 'SIMPLE'))), { binary: true });
    const record = await recorded;
    expect(record).toMatchObject({ connectionId: 'c1', path: '/websocket/v1', result: { ok: true, kind: 'subscribe', format: 'SIMPLE' } });
    expect(record.text).toContain('"ticker"');
    expect(typeof record.at).toBe('number');
    expect(ex.requests).toEqual([record]);
    expect(ex.connections()).toEqual([
      expect.objectContaining({ id: 'c1', format: 'SIMPLE', subscription: expect.arrayContaining([expect.objectContaining({ type: 'ticker' })]) }),
    ]);
  });

  it('keeps only the most recent `keepRequests` messages in `requests`, and announces every one', async () => {
    const ex = await exchange({ keepRequests: 2 });
    const client = await connect(ex.url);
    const announced = eventsOf(ex, 'request', 4);
    for (const ticket of ['t1', 't2', 't3', 't4']) client.send([{ ticket }, { method: 'LIST_SUBSCRIPTIONS' }]);
    const records = await announced;
    expect(records.map(({ result }) => result)).toEqual(
      ['t1', 't2', 't3', 't4'].map((ticket) => ({ ok: true, kind: 'list', ticket, format: undefined })),
    );
    expect(ex.requests).toEqual(records.slice(2));
  });

  it('keeps no messages with `keepRequests: 0`', async () => {
    const ex = await exchange({ keepRequests: 0 });
    const client = await connect(ex.url);
    const announced = nextEvent(ex, 'request');
    client.send('PING');
    expect(await announced).toMatchObject({ text: 'PING' });
    expect(ex.requests).toEqual([]);
  });

  it('emits close with the cause when a client leaves', async () => {
    const ex = await exchange();
    const client = await connect(ex.url);
    const closed = nextEvent(ex, 'close');
    client.ws.close(1000, 'bye');
    expect(await closed).toEqual({ id: 'c1', cause: 'client', code: 1000, reason: 'bye' });
    expect(ex.connections()).toEqual([]);
  });

  it('close() ends every connection, stops listening, is idempotent and refuses further use', async () => {
    const ex = await exchange({ tickMs: 5 });
    const client = await connect(ex.url);
    client.send(request([TICKER_BTC]));
    await client.next();

    const first = ex.close();
    expect(ex.close()).toBe(first);
    await first;
    expect((await client.closed).code).toBe(1006);
    expect(ex.connections()).toEqual([]);
    await expect(connect(ex.url)).rejects.toThrow(/ECONNREFUSED/);
    expect(() => ex.tick()).toThrow(UpstateError);
    expect(() => ex.faults.drop()).toThrow(/closed/);
  });
});
