/**
 * `stream()`: a subscription as an async iterator with a bounded buffer. The buffer's rules are
 * driven through `createStream` with a hand-fed subscription; the rest through the orchestrator
 * against the embedded exchange.
 */
import { describe, expect, it } from 'vitest';
import { OptionError, SpecError, UpstateError } from '../../src/errors.js';
import type { DataType, MessageOf, TickerMessage, TradeMessage } from '../../src/protocol/upbit/types.js';
import type { Spec } from '../../src/registry/spec.js';
import { createStream } from '../../src/stream.js';
import { nextSubscription } from '../support/exchange-requests.js';
import { Inbox } from '../support/inbox.js';
import { orchestratorFor, startTestExchange } from '../support/test-exchange.js';
import { waitFor, within } from '../support/wait.js';

/** A subscription fed by hand: `push` delivers, `live` says whether the stream still holds it. */
function handFed<T extends DataType>() {
  const feed = {
    push: (_message: MessageOf<T>): void => {
      throw new Error('not subscribed');
    },
    end: (): void => {},
    subscribed: 0,
    unsubscribed: 0,
    get live(): boolean {
      return feed.subscribed > feed.unsubscribed;
    },
    subscribe: (_spec: Spec<T>, handler: (message: MessageOf<T>) => void, end: () => void): (() => void) => {
      feed.subscribed++;
      feed.push = handler;
      feed.end = end;
      return () => {
        feed.unsubscribed++;
      };
    },
  };
  return feed;
}

function ticker(code: string, price: number): TickerMessage {
  return { type: 'ticker', code, trade_price: price, stream_type: 'REALTIME' } as TickerMessage;
}

function trade(id: number): TradeMessage {
  return { type: 'trade', code: 'KRW-BTC', sequential_id: String(id), stream_type: 'REALTIME' } as TradeMessage;
}

async function drain<T>(iterator: AsyncIterator<T>): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) return items;
    items.push(value);
  }
}

describe('createStream: the buffer', () => {
  it('hands messages over in order, whether the consumer waits or lags', async () => {
    const feed = handFed<'trade'>();
    const stream = createStream(feed.subscribe, { type: 'trade', codes: ['KRW-BTC'] });
    const waiting = stream.next();
    feed.push(trade(1));
    feed.push(trade(2));
    feed.push(trade(3));

    expect(await waiting).toEqual({ value: trade(1), done: false });
    expect((await stream.next()).value).toEqual(trade(2));
    expect((await stream.next()).value).toEqual(trade(3));
  });

  it('conflates a lagging ticker stream to the latest value per code, in queue order', async () => {
    const feed = handFed<'ticker'>();
    const stream = createStream(feed.subscribe, { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH', 'KRW-XRP'] }, { highWaterMark: 2 });
    feed.push(ticker('KRW-BTC', 1));
    feed.push(ticker('KRW-ETH', 1));
    // Full: each newer value replaces the queued one of its code; a new code joins the queue.
    for (let price = 2; price <= 50; price++) feed.push(ticker('KRW-BTC', price));
    feed.push(ticker('KRW-XRP', 7));
    feed.push(ticker('KRW-ETH', 9));
    feed.end();

    expect(await drain(stream)).toEqual([ticker('KRW-BTC', 50), ticker('KRW-ETH', 9), ticker('KRW-XRP', 7)]);
    expect(feed.live).toBe(false);
  });

  it('never hands a lagging consumer an older value of a code after a newer one', async () => {
    const feed = handFed<'ticker'>();
    const stream = createStream(feed.subscribe, { type: 'ticker', codes: ['KRW-BTC'] }, { highWaterMark: 2 });
    feed.push(ticker('KRW-BTC', 1));
    feed.push(ticker('KRW-BTC', 2));
    feed.push(ticker('KRW-BTC', 3));
    feed.end();

    expect(await drain(stream)).toEqual([ticker('KRW-BTC', 1), ticker('KRW-BTC', 3)]);
  });

  it('ends an overflowing trade stream with ERR_STREAM_OVERFLOW, after the buffered trades', async () => {
    const feed = handFed<'trade'>();
    const stream = createStream(feed.subscribe, { type: 'trade', codes: ['KRW-BTC'] }, { highWaterMark: 3 });
    for (let id = 1; id <= 5; id++) feed.push(trade(id));

    // The subscription is dropped at the overflow, not when the consumer gets there.
    expect(feed.live).toBe(false);
    expect((await stream.next()).value).toEqual(trade(1));
    expect((await stream.next()).value).toEqual(trade(2));
    expect((await stream.next()).value).toEqual(trade(3));
    const error = await stream.next().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(UpstateError);
    expect(error).toMatchObject({ code: 'ERR_STREAM_OVERFLOW' });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('ends on abort after the buffered messages, and resolves a waiting consumer with done', async () => {
    const feed = handFed<'trade'>();
    const controller = new AbortController();
    const stream = createStream(feed.subscribe, { type: 'trade', codes: ['KRW-BTC'] }, { signal: controller.signal });
    feed.push(trade(1));
    controller.abort();
    feed.push(trade(2));

    expect(feed.live).toBe(false);
    expect(await drain(stream)).toEqual([trade(1)]);

    const idle = createStream(handFed<'trade'>().subscribe, { type: 'trade', codes: ['KRW-BTC'] }, { signal: controller.signal });
    expect(await idle.next()).toEqual({ value: undefined, done: true });
  });

  it('subscribes nothing when the signal is already aborted', async () => {
    const feed = handFed<'trade'>();
    const stream = createStream(feed.subscribe, { type: 'trade', codes: ['KRW-BTC'] }, { signal: AbortSignal.abort() });

    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(feed.subscribed).toBe(0);
  });

  it('rejects a bad highWaterMark with an OptionError naming it, and subscribes nothing', () => {
    for (const highWaterMark of [0, -1, 1.5, Number.NaN]) {
      const feed = handFed<'trade'>();
      expect(() => createStream(feed.subscribe, { type: 'trade', codes: ['KRW-BTC'] }, { highWaterMark })).toThrow(
        expect.objectContaining({ name: 'OptionError', option: 'highWaterMark' }),
      );
      expect(feed.subscribed).toBe(0);
    }
  });
});

describe('orchestrator.stream()', () => {
  it('iterates snapshot then realtime messages, and a break removes the subscription', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange, { lingerMs: 10 });
    const kinds: string[] = [];
    const closed = waitFor(exchange, 'close');

    for await (const message of upbit.stream({ type: 'ticker', codes: ['KRW-BTC'] })) {
      kinds.push(`${message.type} ${message.code} ${message.stream_type}`);
      if (kinds.length === 1) exchange.tick(20);
      if (kinds.length === 3) break;
    }

    expect(kinds).toEqual(['ticker KRW-BTC SNAPSHOT', 'ticker KRW-BTC REALTIME', 'ticker KRW-BTC REALTIME']);
    expect(upbit.stats().subscribers).toBe(0);
    // Nobody wants KRW-BTC any more: the connection lingers, then closes.
    const [event] = await closed;
    expect(event.cause).toBe('client');
  });

  it('ends when its signal aborts, while the consumer waits', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const controller = new AbortController();
    const stream = upbit.stream({ type: 'trade', codes: ['KRW-NOPE'] }, { signal: controller.signal });
    await nextSubscription(exchange, 0);
    const waiting = stream.next();

    controller.abort();

    expect(await within(waiting, 'the waiting next()')).toEqual({ value: undefined, done: true });
    expect(upbit.stats().subscribers).toBe(0);
  });

  it('with an aborted signal, changes nothing and opens no connection', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);

    const stream = upbit.stream({ type: 'ticker', codes: ['KRW-BTC'] }, { signal: AbortSignal.abort() });

    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(upbit.stats()).toMatchObject({ changes: 0, subscribers: 0 });
    expect(upbit.stats().connections.public.link).toBe('dormant');
  });

  it('throws SpecError at once for a bad spec, aborted signal or not', async () => {
    const upbit = orchestratorFor(await startTestExchange());
    const bad = { type: 'ticker', codes: ['krw-btc'] } as const;

    expect(() => upbit.stream(bad)).toThrow(SpecError);
    expect(() => upbit.stream(bad, { signal: AbortSignal.abort() })).toThrow(SpecError);
    expect(() => upbit.stream({ type: 'ticker', codes: ['KRW-BTC'] }, { highWaterMark: 0 })).toThrow(OptionError);
    expect(upbit.stats()).toMatchObject({ changes: 0, subscribers: 0 });
  });

  it('conflates tickers for a consumer that lags behind the exchange', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const codes = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP'];
    const controller = new AbortController();
    const stream = upbit.stream({ type: 'ticker', codes, snapshot: 'exclude' }, { highWaterMark: 2, signal: controller.signal });
    // Sees every frame the stream is offered, in the same order (both get each frame in one go).
    const all = new Inbox<TickerMessage>();
    upbit.subscribe({ type: 'ticker', codes, snapshot: 'exclude' }, all.handler);
    await nextSubscription(exchange, 0);

    exchange.tick(100);
    await all.until(() => true, 20, 'twenty tickers');
    const offered = [...all.messages];
    // Ends after the buffered messages: what the lagging consumer still gets.
    controller.abort();
    const received = await drain(stream);

    expect(received.length).toBeLessThanOrEqual(2 + codes.length);
    expect(received.length).toBeLessThan(offered.length);
    for (const code of new Set(offered.map((m) => m.code))) {
      // Per code: offered messages, oldest first, ending with the latest that code had.
      const positions = received.filter((m) => m.code === code).map((message) => offered.indexOf(message));
      expect(positions.every((position, i) => position >= 0 && (i === 0 || position > positions[i - 1]!))).toBe(true);
      expect(received.filter((m) => m.code === code).at(-1)).toBe(offered.filter((m) => m.code === code).at(-1));
    }
  });

  it('hands a lagging trade consumer ERR_STREAM_OVERFLOW after what it buffered', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const stream = upbit.stream({ type: 'trade', codes: ['KRW-BTC'], snapshot: 'exclude' }, { highWaterMark: 2 });
    const all = new Inbox<TradeMessage>();
    upbit.subscribe({ type: 'trade', codes: ['KRW-BTC'], snapshot: 'exclude' }, all.handler);
    await nextSubscription(exchange, 0);

    exchange.tick(100);
    await all.until(() => true, 3, 'three trades');

    expect((await stream.next()).value).toEqual(all.messages[0]);
    expect((await stream.next()).value).toEqual(all.messages[1]);
    await expect(stream.next()).rejects.toMatchObject({ code: 'ERR_STREAM_OVERFLOW' });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    // The overflowing stream let go of its subscription; the plain subscriber stays.
    expect(upbit.stats().subscribers).toBe(1);
  });

  it('ends every stream on close(), so no consumer is left waiting', async () => {
    const exchange = await startTestExchange();
    const upbit = orchestratorFor(exchange);
    const stream = upbit.stream({ type: 'ticker', codes: ['KRW-BTC'] });
    expect((await stream.next()).value).toMatchObject({ type: 'ticker', stream_type: 'SNAPSHOT' });
    const waiting = stream.next();

    await upbit.close();

    expect(await within(waiting, 'the waiting next()')).toEqual({ value: undefined, done: true });
    expect(() => upbit.stream({ type: 'ticker', codes: ['KRW-BTC'] })).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });
});
