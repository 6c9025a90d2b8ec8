import { afterEach, describe, expect, it, vi } from 'vitest';
import { OptionError, type UpstateError } from '../../src/errors.js';
import type { OrderbookMessage, TickerMessage, TradeMessage, UpbitMessage } from '../../src/protocol/upbit/types.js';
import { normalizeSpec, type Spec } from '../../src/registry/index.js';
import { Router, type RouterOptions } from '../../src/router/index.js';
import { Route } from '../../src/router/route.js';
import { candle, myAsset, myOrder, orderbook, ticker, trade } from './messages.js';

/** Runs every microtask queued so far (cached values are delivered in one). */
const microtasks = () => new Promise<void>((resolve) => queueMicrotask(resolve));

/** A router whose subscribers record what they receive. */
function setup(options?: RouterOptions) {
  const router = new Router(options);
  const received = new Map<string, UpbitMessage[]>();
  const subscribe = (ownerId: string, ...specs: Spec[]) => {
    const inbox: UpbitMessage[] = [];
    received.set(ownerId, inbox);
    router.add(
      ownerId,
      specs.map((spec) => normalizeSpec(spec)),
      (message) => inbox.push(message),
    );
    return inbox;
  };
  return { router, subscribe, received };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Router', () => {
  describe('delivers each frame to exactly the subscribers that asked for it', () => {
    it('by type and code, not to everyone', () => {
      const { router, subscribe } = setup();
      const btc = subscribe('btc', { type: 'ticker', codes: ['KRW-BTC'] });
      const eth = subscribe('eth', { type: 'ticker', codes: ['KRW-ETH'] });
      const trades = subscribe('trades', { type: 'trade', codes: ['KRW-BTC'] });
      const frame = ticker('KRW-BTC');
      expect(router.route(frame)).toBe(1);
      expect(btc).toEqual([frame]);
      expect(btc[0]).toBe(frame);
      expect(eth).toEqual([]);
      expect(trades).toEqual([]);
    });

    it('returns 0 for frames nobody asked for', () => {
      const { router, subscribe } = setup();
      subscribe('btc', { type: 'ticker', codes: ['KRW-BTC'] });
      expect(router.route(ticker('KRW-XRP'))).toBe(0);
      expect(router.route(trade('KRW-BTC'))).toBe(0);
    });

    it('keeps candle units apart', () => {
      const { router, subscribe } = setup();
      const oneMinute = subscribe('1m', { type: 'candle.1m', codes: ['KRW-BTC'] });
      const fiveMinutes = subscribe('5m', { type: 'candle.5m', codes: ['KRW-BTC'] });
      router.route(candle('candle.5m', 'KRW-BTC'));
      expect(oneMinute).toEqual([]);
      expect(fiveMinutes.map((m) => m.type)).toEqual(['candle.5m']);
    });

    it('gives an owner each frame once, however many of its specs match', () => {
      const { router, subscribe } = setup();
      const inbox = subscribe(
        'chart',
        { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] },
        { type: 'ticker', codes: ['KRW-BTC'], snapshot: 'exclude' },
      );
      expect(router.route(ticker('KRW-BTC'))).toBe(1);
      expect(router.route(ticker('KRW-BTC', 'SNAPSHOT'))).toBe(1);
      expect(inbox).toHaveLength(2);
    });

    it('delivers myOrder of every market to all-markets subscribers, once', () => {
      const { router, subscribe } = setup();
      const all = subscribe('all', { type: 'myOrder' });
      const btc = subscribe('btc', { type: 'myOrder', codes: ['KRW-BTC'] });
      const both = subscribe('both', { type: 'myOrder' }, { type: 'myOrder', codes: ['KRW-BTC'] });
      expect(router.route(myOrder('KRW-BTC'))).toBe(3);
      expect(router.route(myOrder('KRW-ETH'))).toBe(2);
      expect(all).toHaveLength(2);
      expect(btc).toHaveLength(1);
      expect(both).toHaveLength(2);
    });

    it('delivers myAsset to every myAsset subscriber', () => {
      const { router, subscribe } = setup();
      const one = subscribe('one', { type: 'myAsset' });
      const two = subscribe('two', { type: 'myAsset', snapshot: 'exclude' });
      expect(router.route(myAsset())).toBe(2);
      expect([one.length, two.length]).toEqual([1, 1]);
    });

    it('routes lists of frames in order', () => {
      const { router, subscribe } = setup();
      const inbox = subscribe('btc', { type: 'ticker', codes: ['KRW-BTC'] });
      expect(router.routeAll([ticker('KRW-BTC', 'SNAPSHOT', 1), ticker('KRW-ETH'), ticker('KRW-BTC', 'REALTIME', 2)])).toBe(2);
      expect(inbox.map((m) => (m as { trade_price: number }).trade_price)).toEqual([1, 2]);
      expect(router.deliveries).toBe(2);
    });
  });

  describe('orderbook', () => {
    it('delivers only to subscribers of the frame’s level', () => {
      const { router, subscribe } = setup();
      const plain = subscribe('plain', { type: 'orderbook', codes: ['KRW-BTC'] });
      const grouped = subscribe('grouped', { type: 'orderbook', codes: ['KRW-BTC'], level: 10000 });
      router.route(orderbook('KRW-BTC', { level: 10000 }));
      expect(plain).toEqual([]);
      expect(grouped).toHaveLength(1);
      router.route(orderbook('KRW-BTC'));
      expect(plain).toHaveLength(1);
      expect(grouped).toHaveLength(1);
    });

    it('cuts the book to each subscriber’s depth, one copy per depth per frame', () => {
      const { router, subscribe } = setup();
      const full = subscribe('full', { type: 'orderbook', codes: ['KRW-BTC'] });
      const five = subscribe('five', { type: 'orderbook', codes: ['KRW-BTC.5'] });
      const alsoFive = subscribe('also-five', { type: 'orderbook', codes: ['KRW-BTC'], depth: 5 });
      const one = subscribe('one', { type: 'orderbook', codes: ['KRW-BTC'], depth: 1 });
      const book = orderbook('KRW-BTC', { units: 30 });
      expect(router.route(book)).toBe(4);
      expect(full[0]).toBe(book);
      const cut = five[0] as OrderbookMessage;
      expect(cut.orderbook_units).toEqual(book.orderbook_units.slice(0, 5));
      expect(cut).toMatchObject({ code: 'KRW-BTC', total_ask_size: 1, level: 0 });
      expect(alsoFive[0]).toBe(cut);
      expect((one[0] as OrderbookMessage).orderbook_units).toHaveLength(1);
      expect(book.orderbook_units).toHaveLength(30);
    });

    it('passes a book no deeper than asked as is', () => {
      const { router, subscribe } = setup();
      const five = subscribe('five', { type: 'orderbook', codes: ['KRW-BTC'], depth: 5 });
      const book = orderbook('KRW-BTC', { units: 5 });
      router.route(book);
      expect(five[0]).toBe(book);
    });
  });

  describe('stream preferences', () => {
    /** Trade frames told apart by `sequential_id`. */
    const trades = (inbox: readonly UpbitMessage[]) => inbox.map((m) => [m.code, m.stream_type, Number((m as TradeMessage).sequential_id)]);

    it('gives a snapshot-only subscriber of a new stream its SNAPSHOT and then nothing more', () => {
      const { router, subscribe } = setup({ cacheTypes: [] });
      const both = subscribe('both', { type: 'ticker', codes: ['KRW-BTC'] });
      const once = subscribe('once', { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'], snapshot: 'only' });
      expect(router.route(ticker('KRW-BTC', 'SNAPSHOT', 1))).toBe(2);
      expect(router.route(ticker('KRW-BTC', 'REALTIME', 2))).toBe(1);
      router.route(ticker('KRW-BTC', 'SNAPSHOT', 3));
      router.route(ticker('KRW-ETH', 'SNAPSHOT', 4));
      router.route(ticker('KRW-ETH', 'REALTIME', 5));
      expect(once.map((m) => [m.code, m.stream_type, (m as TickerMessage).trade_price])).toEqual([
        ['KRW-BTC', 'SNAPSHOT', 1],
        ['KRW-ETH', 'SNAPSHOT', 4],
      ]);
      expect(both).toHaveLength(3);
    });

    it('gives a snapshot-only joiner of an uncached stream already flowing its first REALTIME frame, then nothing', () => {
      const { router, subscribe } = setup();
      const live = subscribe('live', { type: 'trade', codes: ['KRW-BTC'] });
      router.route(trade('KRW-BTC', 'SNAPSHOT', 1));
      router.route(trade('KRW-BTC', 'REALTIME', 2));
      // The registry sends this stream realtime-only from now on: no SNAPSHOT comes for the joiner.
      const once = subscribe('once', { type: 'trade', codes: ['KRW-BTC'], snapshot: 'only' });
      expect(router.route(trade('KRW-BTC', 'REALTIME', 3))).toBe(2);
      expect(router.route(trade('KRW-BTC', 'REALTIME', 4))).toBe(1);
      router.route(trade('KRW-BTC', 'SNAPSHOT', 5));
      expect(trades(once)).toEqual([['KRW-BTC', 'REALTIME', 3]]);
      expect(trades(live).map(([, , id]) => id)).toEqual([1, 2, 3, 4, 5]);
    });

    it('serves snapshot-only candles the same way, per code', () => {
      const { router, subscribe } = setup();
      subscribe('chart', { type: 'candle.1m', codes: ['KRW-BTC', 'KRW-ETH'], snapshot: 'exclude' });
      router.route(candle('candle.1m', 'KRW-BTC'));
      const once = subscribe('once', { type: 'candle.1m', codes: ['KRW-BTC', 'KRW-ETH'], snapshot: 'only' });
      router.route(candle('candle.1m', 'KRW-ETH'));
      router.route(candle('candle.1m', 'KRW-BTC'));
      router.route(candle('candle.1m', 'KRW-ETH'));
      router.route(candle('candle.1m', 'KRW-BTC'));
      expect(once.map((m) => m.code)).toEqual(['KRW-ETH', 'KRW-BTC']);
    });

    it('cuts the one book a waiting snapshot-only subscriber gets to its depth', () => {
      const { router, subscribe } = setup({ cacheTypes: [] });
      subscribe('full', { type: 'orderbook', codes: ['KRW-BTC'], snapshot: 'exclude' });
      const once = subscribe('once', { type: 'orderbook', codes: ['KRW-BTC.5'], snapshot: 'only' });
      expect(router.route(orderbook('KRW-BTC'))).toBe(2);
      expect(router.route(orderbook('KRW-BTC'))).toBe(1);
      expect(once).toHaveLength(1);
      expect((once[0] as OrderbookMessage).orderbook_units).toHaveLength(5);
    });

    it('keeps a served snapshot-only route served when its owner is re-added with the same handler', () => {
      const router = new Router({ cacheTypes: [] });
      const handler = vi.fn();
      const only = normalizeSpec({ type: 'trade', codes: ['KRW-BTC'], snapshot: 'only' });
      router.add('once', [only], handler);
      router.route(trade('KRW-BTC', 'REALTIME', 1));
      router.add('once', [only, normalizeSpec({ type: 'trade', codes: ['KRW-ETH'], snapshot: 'only' })], handler);
      router.route(trade('KRW-BTC', 'REALTIME', 2));
      router.route(trade('KRW-ETH', 'REALTIME', 3));
      expect(handler.mock.calls.map(([m]) => Number((m as TradeMessage).sequential_id))).toEqual([1, 3]);
      // A new handler starts afresh: it waits for its one message again.
      const fresh = vi.fn();
      router.add('once', [only], fresh);
      router.route(trade('KRW-BTC', 'REALTIME', 4));
      router.route(trade('KRW-BTC', 'REALTIME', 5));
      expect(fresh.mock.calls.map(([m]) => Number((m as TradeMessage).sequential_id))).toEqual([4]);
    });

    it('gives a snapshot-only subscriber added during a delivery the next frame, not that one', () => {
      const { router, subscribe } = setup({ cacheTypes: [] });
      let once: UpbitMessage[] = [];
      router.add('host', [normalizeSpec({ type: 'trade', codes: ['KRW-BTC'] })], () => {
        if (once.length === 0 && !router.has('once')) once = subscribe('once', { type: 'trade', codes: ['KRW-BTC'], snapshot: 'only' });
      });
      router.route(trade('KRW-BTC', 'REALTIME', 1));
      router.route(trade('KRW-BTC', 'REALTIME', 2));
      router.route(trade('KRW-BTC', 'REALTIME', 3));
      expect(trades(once)).toEqual([['KRW-BTC', 'REALTIME', 2]]);
    });

    it('never shows SNAPSHOT frames to realtime-only subscribers', () => {
      const { router, subscribe } = setup();
      const live = subscribe('live', { type: 'trade', codes: ['KRW-BTC'], snapshot: 'exclude' });
      const both = subscribe('both', { type: 'trade', codes: ['KRW-BTC'] });
      router.route(trade('KRW-BTC', 'SNAPSHOT'));
      router.route(trade('KRW-BTC', 'REALTIME'));
      expect(live.map((m) => m.stream_type)).toEqual(['REALTIME']);
      expect(both.map((m) => m.stream_type)).toEqual(['SNAPSHOT', 'REALTIME']);
    });
  });

  describe('a throwing handler', () => {
    it('is isolated and reported once per owner', () => {
      const onError = vi.fn<(error: UpstateError, ownerId: string) => void>();
      const router = new Router({ onError });
      const failure = new Error('boom');
      const before = vi.fn();
      const after = vi.fn();
      router.add('before', [normalizeSpec({ type: 'ticker', codes: ['KRW-BTC'] })], before);
      router.add('faulty', [normalizeSpec({ type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] })], () => {
        throw failure;
      });
      router.add('after', [normalizeSpec({ type: 'ticker', codes: ['KRW-BTC'] })], after);
      expect(router.route(ticker('KRW-BTC'))).toBe(3);
      router.route(ticker('KRW-BTC'));
      router.route(ticker('KRW-ETH'));
      expect(before).toHaveBeenCalledTimes(2);
      expect(after).toHaveBeenCalledTimes(2);
      expect(onError).toHaveBeenCalledTimes(1);
      const [error, ownerId] = onError.mock.calls[0]!;
      expect(ownerId).toBe('faulty');
      expect(error.code).toBe('ERR_HANDLER');
      expect(error.cause).toBe(failure);
      expect(error.message).toContain('faulty');
    });

    it('does not stop the loop: neighbours, the last handler and cut-book handlers are each reported as themselves', () => {
      const onError = vi.fn<(error: UpstateError, ownerId: string) => void>();
      const router = new Router({ onError });
      const calls: string[] = [];
      const add = (ownerId: string, throws: boolean, codes = ['KRW-BTC']) =>
        router.add(ownerId, [normalizeSpec({ type: 'orderbook', codes })], () => {
          calls.push(ownerId);
          if (throws) throw new Error(ownerId);
        });
      add('first', true);
      add('second', true);
      add('quiet', false);
      add('cut', true, ['KRW-BTC.5']);
      add('also-cut', false, ['KRW-BTC.5']);
      add('last', true);
      expect(router.route(orderbook('KRW-BTC'))).toBe(6);
      expect(router.route(orderbook('KRW-BTC'))).toBe(6);
      expect(calls).toEqual([...['first', 'second', 'quiet', 'last', 'cut', 'also-cut'], ...['first', 'second', 'quiet', 'last', 'cut', 'also-cut']]);
      expect(onError.mock.calls.map(([error, ownerId]) => [ownerId, (error.cause as Error).message])).toEqual([
        ['first', 'first'],
        ['second', 'second'],
        ['last', 'last'],
        ['cut', 'cut'],
      ]);
      expect(router.deliveries).toBe(12);
    });

    it('is reported as itself when it changed the subscriptions before throwing', () => {
      const onError = vi.fn<(error: UpstateError, ownerId: string) => void>();
      const router = new Router({ onError });
      const specs = [normalizeSpec({ type: 'ticker', codes: ['KRW-BTC'] })];
      const first = vi.fn();
      router.add('first', specs, first);
      router.add('changer', specs, () => {
        router.remove('first');
        throw new Error('after the change');
      });
      expect(router.route(ticker('KRW-BTC'))).toBe(2);
      expect(first).toHaveBeenCalledTimes(1);
      expect(onError.mock.calls.map(([, ownerId]) => ownerId)).toEqual(['changer']);
    });

    it('is reported again after its owner is added with a new handler', () => {
      const onError = vi.fn();
      const router = new Router({ onError });
      const specs = [normalizeSpec({ type: 'ticker', codes: ['KRW-BTC'] })];
      router.add('faulty', specs, () => {
        throw new Error('first');
      });
      router.route(ticker('KRW-BTC'));
      router.add('faulty', specs, () => {
        throw new Error('second');
      });
      router.route(ticker('KRW-BTC'));
      expect(onError.mock.calls.map(([error]) => (error.cause as Error).message)).toEqual(['first', 'second']);
    });

    it('is rethrown asynchronously when there is no onError', () => {
      const router = new Router();
      const other = vi.fn();
      router.add('faulty', [normalizeSpec({ type: 'trade', codes: ['KRW-BTC'] })], () => {
        throw new Error('boom');
      });
      router.add('other', [normalizeSpec({ type: 'trade', codes: ['KRW-BTC'] })], other);
      // Only what the delivery defers (the adds defer the rebuild of the route's lists).
      const later: (() => void)[] = [];
      vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((callback) => later.push(callback));
      router.route(trade('KRW-BTC'));
      expect(other).toHaveBeenCalledTimes(1);
      expect(later).toHaveLength(1);
      expect(() => later[0]!()).toThrow(expect.objectContaining({ code: 'ERR_HANDLER' }));
    });

    it('does not stop delivery when onError itself throws', () => {
      const router = new Router({
        onError: () => {
          throw new Error('reporter failed');
        },
      });
      const other = vi.fn();
      router.add('faulty', [normalizeSpec({ type: 'trade', codes: ['KRW-BTC'] })], () => {
        throw new Error('boom');
      });
      router.add('other', [normalizeSpec({ type: 'trade', codes: ['KRW-BTC'] })], other);
      const later: (() => void)[] = [];
      vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((callback) => later.push(callback));
      router.route(trade('KRW-BTC'));
      expect(other).toHaveBeenCalledTimes(1);
      expect(() => later[0]!()).toThrow('reporter failed');
    });
  });

  describe('last-value cache', () => {
    it('gives a late joiner the latest value in a microtask after add, as it was', async () => {
      const { router, subscribe } = setup();
      subscribe('early', { type: 'ticker', codes: ['KRW-BTC'] });
      router.route(ticker('KRW-BTC', 'SNAPSHOT', 1));
      const latest = ticker('KRW-BTC', 'REALTIME', 2);
      router.route(latest);
      const late = subscribe('late', { type: 'ticker', codes: ['KRW-BTC'] });
      expect(late).toEqual([]);
      await microtasks();
      expect(late).toEqual([latest]);
      expect(late[0]).toBe(latest);
      expect(late[0]!.stream_type).toBe('REALTIME');
    });

    it('gives realtime-only joiners nothing from the cache', async () => {
      const { router, subscribe } = setup();
      subscribe('early', { type: 'ticker', codes: ['KRW-BTC'] });
      router.route(ticker('KRW-BTC'));
      const live = subscribe('live', { type: 'ticker', codes: ['KRW-BTC'], snapshot: 'exclude' });
      await microtasks();
      expect(live).toEqual([]);
    });

    it('serves a snapshot-only joiner from the cache, and then nothing more', async () => {
      const { router, subscribe } = setup();
      subscribe('early', { type: 'ticker', codes: ['KRW-BTC'] });
      const cached = ticker('KRW-BTC');
      router.route(cached);
      const once = subscribe('once', { type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' });
      await microtasks();
      router.route(ticker('KRW-BTC', 'SNAPSHOT'));
      expect(once).toEqual([cached]);
    });

    it('gives a snapshot-only joiner a live frame that beats the cached one, and only that', async () => {
      const { router, subscribe } = setup();
      subscribe('early', { type: 'ticker', codes: ['KRW-BTC'] });
      router.route(ticker('KRW-BTC', 'REALTIME', 1));
      const once = subscribe('once', { type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' });
      const live = ticker('KRW-BTC', 'REALTIME', 2);
      router.route(live);
      await microtasks();
      router.route(ticker('KRW-BTC', 'REALTIME', 3));
      expect(once).toEqual([live]);
    });

    it('gives a snapshot-only joiner the next live book when the cached one is too shallow', async () => {
      const { router, subscribe } = setup();
      subscribe('early', { type: 'orderbook', codes: ['KRW-BTC.5'] });
      router.route(orderbook('KRW-BTC', { units: 5 }));
      const once = subscribe('once', { type: 'orderbook', codes: ['KRW-BTC.15'], snapshot: 'only' });
      await microtasks();
      expect(once).toEqual([]);
      const deep = orderbook('KRW-BTC', { units: 15 });
      router.route(deep);
      router.route(orderbook('KRW-BTC', { units: 15 }));
      expect(once).toEqual([deep]);
    });

    it('keeps orderbooks per level and cuts them to the joiner’s depth', async () => {
      const { router, subscribe } = setup();
      subscribe('early', { type: 'orderbook', codes: ['KRW-BTC'] }, { type: 'orderbook', codes: ['KRW-BTC'], level: 100 });
      router.route(orderbook('KRW-BTC', { units: 30 }));
      router.route(orderbook('KRW-BTC', { units: 30, level: 100 }));
      const late = subscribe('late', { type: 'orderbook', codes: ['KRW-BTC'], level: 100, depth: 5 });
      await microtasks();
      expect(late).toHaveLength(1);
      expect(late[0]).toMatchObject({ level: 100 });
      expect((late[0] as OrderbookMessage).orderbook_units).toHaveLength(5);
    });

    it('does not hand a book shallower than the joiner asked for', async () => {
      const { router, subscribe } = setup();
      subscribe('early', { type: 'orderbook', codes: ['KRW-BTC.5'] });
      router.route(orderbook('KRW-BTC', { units: 5 }));
      const deeper = subscribe('deeper', { type: 'orderbook', codes: ['KRW-BTC'] });
      await microtasks();
      expect(deeper).toEqual([]);
    });

    it('is off for trades by default and follows cacheTypes', async () => {
      const plain = setup();
      plain.subscribe('early', { type: 'trade', codes: ['KRW-BTC'] });
      plain.router.route(trade('KRW-BTC'));
      const lateTrades = plain.subscribe('late', { type: 'trade', codes: ['KRW-BTC'] });

      const custom = setup({ cacheTypes: ['trade'] });
      custom.subscribe('early', { type: 'trade', codes: ['KRW-BTC'] }, { type: 'ticker', codes: ['KRW-BTC'] });
      custom.router.route(trade('KRW-BTC'));
      custom.router.route(ticker('KRW-BTC'));
      const late = custom.subscribe('late', { type: 'trade', codes: ['KRW-BTC'] }, { type: 'ticker', codes: ['KRW-BTC'] });

      await microtasks();
      expect(lateTrades).toEqual([]);
      expect(late.map((m) => m.type)).toEqual(['trade']);
    });

    it('drops the cached values of codes nobody wants any more', async () => {
      const { router, subscribe } = setup();
      subscribe('a', { type: 'ticker', codes: ['KRW-BTC'] });
      subscribe('b', { type: 'ticker', codes: ['KRW-ETH'] });
      router.route(ticker('KRW-BTC'));
      router.route(ticker('KRW-ETH'));
      router.remove('a');
      router.remove('b');
      expect(router.routeCount).toBe(0);
      const again = subscribe('again', { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] });
      await microtasks();
      expect(again).toEqual([]);
    });

    it('skips the cached value when the joiner leaves before the microtask', async () => {
      const { router, subscribe } = setup();
      subscribe('early', { type: 'ticker', codes: ['KRW-BTC'] });
      router.route(ticker('KRW-BTC'));
      const late = subscribe('late', { type: 'ticker', codes: ['KRW-BTC'] });
      router.remove('late');
      await microtasks();
      expect(late).toEqual([]);
    });

    it('skips the cached value when a newer frame reached the joiner first', async () => {
      const { router, subscribe } = setup();
      subscribe('early', { type: 'ticker', codes: ['KRW-BTC'] });
      router.route(ticker('KRW-BTC', 'REALTIME', 1));
      const late = subscribe('late', { type: 'ticker', codes: ['KRW-BTC'] });
      const newer = ticker('KRW-BTC', 'REALTIME', 2);
      router.route(newer);
      await microtasks();
      expect(late).toEqual([newer]);
    });

    it('does not replay to an owner re-added with the same handler and specs', async () => {
      const router = new Router();
      const handler = vi.fn();
      const specs = [normalizeSpec({ type: 'ticker', codes: ['KRW-BTC'] })];
      router.add('early', specs, vi.fn());
      router.route(ticker('KRW-BTC'));
      router.add('chart', specs, handler);
      await microtasks();
      router.add('chart', [...specs, normalizeSpec({ type: 'ticker', codes: ['KRW-ETH'] })], handler);
      await microtasks();
      expect(handler).toHaveBeenCalledTimes(1);
    });
  });

  describe('add / remove', () => {
    it('rebuilds a route once for the changes of one tick, not once per subscriber (linear, not quadratic, in subscribers)', async () => {
      const rebuild = vi.spyOn(Route.prototype, 'rebuild');
      const { router, subscribe } = setup();
      const inboxes = Array.from({ length: 200 }, (_, i) => subscribe(`chart-${i}`, { type: 'ticker', codes: ['KRW-BTC'] }));
      expect(rebuild).not.toHaveBeenCalled();
      await microtasks();
      expect(rebuild).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 100; i++) router.remove(`chart-${i}`);
      await microtasks();
      expect(rebuild).toHaveBeenCalledTimes(2);
      router.route(ticker('KRW-BTC'));
      expect(inboxes.map((inbox) => inbox.length)).toEqual([...Array(100).fill(0), ...Array(100).fill(1)]);
    });

    it('delivers by the latest subscribers when a frame comes before the deferred rebuild', () => {
      const { router, subscribe } = setup();
      const early = subscribe('early', { type: 'ticker', codes: ['KRW-BTC'] });
      router.route(ticker('KRW-BTC'));
      const late = subscribe('late', { type: 'ticker', codes: ['KRW-BTC'] });
      router.remove('early');
      router.route(ticker('KRW-BTC'));
      expect([early.length, late.length]).toEqual([1, 1]);
    });

    it('replaces an owner’s routes', () => {
      const { router, subscribe } = setup();
      subscribe('chart', { type: 'ticker', codes: ['KRW-BTC'] });
      const inbox = subscribe('chart', { type: 'ticker', codes: ['KRW-ETH'] });
      router.route(ticker('KRW-BTC'));
      router.route(ticker('KRW-ETH'));
      expect(inbox.map((m) => m.code)).toEqual(['KRW-ETH']);
    });

    it('gives a subscriber added during a delivery the next frame, and never calls one removed during it again', () => {
      const router = new Router();
      const specs = [normalizeSpec({ type: 'ticker', codes: ['KRW-BTC'] })];
      const joiner = vi.fn();
      const leaver = vi.fn();
      router.add('host', specs, () => {
        router.add('joiner', specs, joiner);
        router.remove('leaver');
      });
      router.add('leaver', specs, leaver);
      expect(router.route(ticker('KRW-BTC', 'REALTIME'))).toBe(1);
      expect(joiner).not.toHaveBeenCalled();
      expect(leaver).not.toHaveBeenCalled();
      router.route(ticker('KRW-BTC', 'REALTIME'));
      expect(joiner).toHaveBeenCalledTimes(1);
      expect(leaver).not.toHaveBeenCalled();
      expect(router.deliveries).toBe(3);
    });

    // Every delivery path: the hot one, SNAPSHOT frames, orderbook cuts, all-markets myOrder.
    const paths: [string, Spec, Spec, () => UpbitMessage][] = [
      ['a REALTIME ticker', { type: 'ticker', codes: ['KRW-BTC'] }, { type: 'ticker', codes: ['KRW-BTC'] }, () => ticker('KRW-BTC', 'REALTIME')],
      ['a SNAPSHOT ticker', { type: 'ticker', codes: ['KRW-BTC'] }, { type: 'ticker', codes: ['KRW-BTC'] }, () => ticker('KRW-BTC', 'SNAPSHOT')],
      ['a cut orderbook', { type: 'orderbook', codes: ['KRW-BTC'] }, { type: 'orderbook', codes: ['KRW-BTC'], depth: 5 }, () => orderbook('KRW-BTC')],
      ['an all-markets myOrder', { type: 'myOrder', codes: ['KRW-BTC'] }, { type: 'myOrder' }, () => myOrder('KRW-BTC')],
    ];
    for (const [what, hostSpec, victimSpec, frame] of paths) {
      it(`never calls a subscriber that another handler removed mid-delivery, on ${what}`, () => {
        const router = new Router();
        const victim = vi.fn();
        // The victim is added first and the host last, then re-added so the host runs first.
        router.add('victim', [normalizeSpec(victimSpec)], victim);
        router.add('host', [normalizeSpec(hostSpec)], () => router.remove('victim'));
        router.remove('victim');
        router.add('victim', [normalizeSpec(victimSpec)], victim);
        router.route(frame());
        expect(victim).not.toHaveBeenCalled();
      });
    }

    it('never calls a subscriber whose owner replaced its specs mid-delivery without this route', () => {
      const router = new Router();
      const handler = vi.fn();
      const btc = [normalizeSpec({ type: 'ticker', codes: ['KRW-BTC'] })];
      router.add('host', btc, () => router.add('chart', [normalizeSpec({ type: 'ticker', codes: ['KRW-ETH'] })], handler));
      router.add('chart', btc, handler);
      router.route(ticker('KRW-BTC', 'REALTIME'));
      expect(handler).not.toHaveBeenCalled();
    });

    it('removes everything with clear', () => {
      const { router, subscribe } = setup();
      subscribe('a', { type: 'ticker', codes: ['KRW-BTC'] }, { type: 'myOrder' });
      subscribe('b', { type: 'orderbook', codes: ['KRW-BTC'], level: 10 });
      router.clear();
      expect(router.routeCount).toBe(0);
      expect(router.has('a')).toBe(false);
      expect(router.route(ticker('KRW-BTC'))).toBe(0);
    });

    it('ignores an unknown owner', () => {
      const { router } = setup();
      expect(() => router.remove('nobody')).not.toThrow();
      expect(router.routeCount).toBe(0);
    });

    it('rejects a handler that is not a function, changing nothing', () => {
      const { router, subscribe } = setup();
      subscribe('a', { type: 'ticker', codes: ['KRW-BTC'] });
      expect(() => router.add('a', [], 'nope' as never)).toThrow(TypeError);
      expect(router.route(ticker('KRW-BTC'))).toBe(1);
    });

    it('rejects bad options', () => {
      expect(() => new Router({ cacheTypes: ['tickers'] as never })).toThrow(OptionError);
      expect(() => new Router({ onError: 42 as never })).toThrow(OptionError);
    });
  });
});
