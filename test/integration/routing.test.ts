/**
 * Routing end to end (the seed's defect 6): each frame from the exchange reaches exactly the
 * subscribers that asked for it, in the form they asked for, whatever the wire format.
 */
import { describe, expect, it } from 'vitest';
import type { UpstateError } from '../../src/errors.js';
import type { OrderbookMessage, TickerMessage } from '../../src/protocol/upbit/types.js';
import { fieldsOf, nextSubscription, realtimeStreams, streamsOf } from '../support/exchange-requests.js';
import { Inbox } from '../support/inbox.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';

const isSnapshot = (m: { stream_type: string }): boolean => m.stream_type === 'SNAPSHOT';
const isRealtime = (m: { stream_type: string }): boolean => m.stream_type === 'REALTIME';

describe('routing', () => {
  it('never hands candle.5m to a candle.1m subscriber, nor one market to another', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const oneMinute = new Inbox();
    const fiveMinutes = new Inbox();
    const ethOneMinute = new Inbox();
    upbit.subscribe({ type: 'candle.1m', codes: ['KRW-BTC'] }, oneMinute.handler);
    upbit.subscribe({ type: 'candle.5m', codes: ['KRW-BTC'] }, fiveMinutes.handler);
    upbit.subscribe({ type: 'candle.1m', codes: ['KRW-ETH'] }, ethOneMinute.handler);
    await nextSubscription(exchange, 0);

    exchange.tick(50);
    await oneMinute.until(isRealtime, 1, 'realtime candle.1m');
    await fiveMinutes.until(isRealtime, 1, 'realtime candle.5m');
    await ethOneMinute.until(isRealtime, 1, 'realtime KRW-ETH candle.1m');

    expect(new Set(oneMinute.messages.map((m) => `${m.type} ${m.code}`))).toEqual(new Set(['candle.1m KRW-BTC']));
    expect(new Set(fiveMinutes.messages.map((m) => `${m.type} ${m.code}`))).toEqual(new Set(['candle.5m KRW-BTC']));
    expect(new Set(ethOneMinute.messages.map((m) => `${m.type} ${m.code}`))).toEqual(new Set(['candle.1m KRW-ETH']));
  });

  it('gives a realtime-only subscriber no SNAPSHOT, and a snapshot-only one nothing but its SNAPSHOT', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const both = new Inbox();
    const realtimeOnly = new Inbox();
    const snapshotOnly = new Inbox();
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] }, both.handler);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'exclude' }, realtimeOnly.handler);
    upbit.subscribe({ type: 'ticker', codes: ['KRW-ETH'], snapshot: 'only' }, snapshotOnly.handler);
    await nextSubscription(exchange, 0);
    await both.until(isSnapshot, 2, 'snapshots');
    await snapshotOnly.until(isSnapshot, 1, 'the snapshot');

    exchange.tick(20);
    // Frames of one socket arrive in order: once `both` has these, every other subscriber has
    // had its chance at them too.
    await both.until((m) => isRealtime(m) && m.code === 'KRW-BTC', 3, 'realtime KRW-BTC tickers');
    await both.until((m) => isRealtime(m) && m.code === 'KRW-ETH', 1, 'a realtime KRW-ETH ticker');

    expect(realtimeOnly.count(isSnapshot)).toBe(0);
    expect(realtimeOnly.count()).toBe(both.count((m) => isRealtime(m) && m.code === 'KRW-BTC'));
    expect(snapshotOnly.messages.map((m) => `${m.code} ${m.stream_type}`)).toEqual(['KRW-ETH SNAPSHOT']);
  });

  it('cuts one orderbook stream to each subscriber’s depth', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const deep = new Inbox<OrderbookMessage>();
    const shallow = new Inbox<OrderbookMessage>();
    upbit.subscribe({ type: 'orderbook', codes: ['KRW-BTC'], depth: 15 }, deep.handler);
    upbit.subscribe({ type: 'orderbook', codes: ['KRW-BTC.5'] }, shallow.handler);
    const request = await nextSubscription(exchange, 0);
    exchange.tick(10);
    await deep.until(isRealtime, 1, 'a realtime book');
    await shallow.until(isRealtime, 1, 'a realtime book');

    expect(streamsOf(fieldsOf(request))).toEqual(['orderbook KRW-BTC.15@0']);
    expect(deep.messages.every((m) => m.orderbook_units.length === 15)).toBe(true);
    expect(shallow.messages.every((m) => m.orderbook_units.length === 5)).toBe(true);
    expect(shallow.messages.map((m) => m.orderbook_units)).toEqual(deep.messages.map((m) => m.orderbook_units.slice(0, 5)));
  });

  it("keeps delivering to everyone when a handler throws, and reports it once on 'error'", async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const errors: UpstateError[] = [];
    upbit.on('error', (error) => errors.push(error));
    const boom = new Error('handler bug');
    let thrown = 0;
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {
      thrown++;
      throw boom;
    });
    const good = new Inbox();
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, good.handler);
    await nextSubscription(exchange, 0);

    exchange.tick(30);
    await good.until(isRealtime, 3, 'realtime tickers');

    expect(thrown).toBe(good.count());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_HANDLER', cause: boom });
    expect(upbit.stats().connections.public).toMatchObject({ link: 'open', failures: 0 });
  });
});

describe('wire format', () => {
  it('SIMPLE on the wire still hands subscribers DEFAULT names, identical to a DEFAULT connection', async () => {
    const exchange = await startTestExchange();
    const simple = orchestratorFor(exchange, { format: 'SIMPLE' });
    const plain = orchestratorFor(exchange, { format: 'DEFAULT' });
    const fromSimple = new Inbox<TickerMessage>();
    const fromDefault = new Inbox<TickerMessage>();
    const books = new Inbox<OrderbookMessage>();
    simple.subscribe({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'exclude' }, fromSimple.handler);
    simple.subscribe({ type: 'orderbook', codes: ['KRW-BTC.5'] }, books.handler);
    plain.subscribe({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'exclude' }, fromDefault.handler);
    await nextSubscription(exchange, 0);
    await nextSubscription(exchange, 1);
    await books.until(isSnapshot, 1, 'orderbook snapshot');

    exchange.tick(20);
    await fromSimple.until(isRealtime, 2, 'realtime tickers over SIMPLE');
    const n = fromSimple.count();
    await fromDefault.until(isRealtime, n, 'the same tickers over DEFAULT');

    const simpleConnection = exchange.connections().find(({ format }) => format === 'SIMPLE');
    expect(simpleConnection).toBeDefined();
    expect(realtimeStreams(simpleConnection!.subscription)).toEqual(['orderbook KRW-BTC.5@0', 'ticker KRW-BTC']);
    expect(exchange.requests.find(({ connectionId }) => connectionId === simpleConnection!.id)!.text).toContain('"format":"SIMPLE"');

    expect(fromSimple.messages[0]).toMatchObject({ type: 'ticker', code: 'KRW-BTC', stream_type: 'REALTIME' });
    expect(typeof fromSimple.messages[0]!.trade_price).toBe('number');
    expect(fromSimple.messages[0]).not.toHaveProperty('tp');
    expect(fromSimple.messages.slice(0, n)).toEqual(fromDefault.messages.slice(0, n));
    expect(books.messages[0]!.orderbook_units[0]).toEqual({
      ask_price: expect.any(Number),
      bid_price: expect.any(Number),
      ask_size: expect.any(Number),
      bid_size: expect.any(Number),
    });
  });
});
