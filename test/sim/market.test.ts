import { describe, expect, it } from 'vitest';
import { SIMPLE_KEYS } from '../../src/protocol/upbit/keys.js';
import type { CandleMessage, CandleType, OrderbookMessage, PublicType, TickerMessage, TradeMessage } from '../../src/protocol/upbit/types.js';
import { CANDLE_TYPES } from '../../src/protocol/upbit/types.js';
import { DEFAULT_MARKETS } from '../../src/sim/catalogue.js';
import { Market } from '../../src/sim/market.js';
import { MarketData } from '../../src/sim/market-data.js';
import { isMultipleOf, tickSize } from '../../src/sim/prices.js';
import type { StreamTarget } from '../../src/sim/subscription.js';

const T0 = Date.UTC(2025, 0, 2, 12, 0, 0);

function target(type: PublicType, code: string, depth = 30, level = 0): StreamTarget {
  return { type, code, depth, level };
}

/** Steps a market data set `count` times, 100 ms apart, and returns every realtime trade. */
function tradesOf(data: MarketData, code: string, count: number): TradeMessage[] {
  const trades: TradeMessage[] = [];
  for (let i = 1; i <= count; i++) {
    const traded = data.step(T0 + i * 100).some((change) => change.code === code && change.step.traded);
    if (traded) trades.push(data.realtime(target('trade', code)) as TradeMessage);
  }
  return trades;
}

describe('the default market list', () => {
  it('has about twenty real KRW markets, the busiest first', () => {
    expect(DEFAULT_MARKETS.length).toBe(20);
    expect(DEFAULT_MARKETS.slice(0, 6)).toEqual(['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE', 'KRW-ADA']);
    expect(DEFAULT_MARKETS.every((code) => code.startsWith('KRW-'))).toBe(true);
  });
});

/**
 * Ticker fields the key table still maps (old recordings carry them) but that current frames lack:
 * the 2024 capture in test/protocol/real-frames.json has neither; Upbit's 2018 example has both.
 */
const DEPRECATED: ReadonlySet<string> = new Set(['trade_status', 'market_state_for_ios']);

describe('messages', () => {
  const data = new MarketData(['KRW-BTC', 'BTC-ETH', 'USDT-XRP'], 1, T0);
  const types: PublicType[] = ['ticker', 'trade', 'orderbook', ...CANDLE_TYPES];

  it.each(types)('a %s message carries every DEFAULT field Upbit documents', (type) => {
    for (const code of ['KRW-BTC', 'BTC-ETH', 'USDT-XRP']) {
      const message = data.snapshot(target(type, code)) as unknown as Record<string, unknown>;
      const table = SIMPLE_KEYS[type];
      for (const [key, entry] of Object.entries(table)) {
        if (DEPRECATED.has(key)) {
          expect(message, `${type} ${code}`).not.toHaveProperty(key);
          continue;
        }
        expect(message, `${type} ${code}`).toHaveProperty(key);
        if (typeof entry !== 'string') {
          const items = message[key] as Record<string, unknown>[];
          for (const item of items) expect(Object.keys(item).sort()).toEqual(Object.keys(entry.items).sort());
        }
      }
      expect(message.stream_type).toBe('SNAPSHOT');
      expect(message.code).toBe(code);
    }
  });

  it('prints dates and times the way Upbit does', () => {
    const ticker = data.snapshot(target('ticker', 'KRW-BTC')) as TickerMessage;
    const trade = data.snapshot(target('trade', 'KRW-BTC')) as TradeMessage;
    expect(ticker.trade_date).toMatch(/^\d{8}$/);
    expect(ticker.trade_time).toMatch(/^\d{6}$/);
    expect(ticker.highest_52_week_date).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(trade.trade_date).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(trade.trade_time).toMatch(/^\d\d:\d\d:\d\d$/);
    const candle = data.snapshot(target('candle.60m', 'KRW-BTC')) as unknown as Record<string, string>;
    // The opening trade came just before T0 (12:00:00 UTC), so the hour candle is 11:00.
    expect(candle.candle_date_time_utc).toBe('2025-01-02T11:00:00');
    expect(candle.candle_date_time_kst).toBe('2025-01-02T20:00:00');
  });

  it('gives nothing for a market it does not list', () => {
    expect(data.snapshot(target('ticker', 'KRW-NOPE'))).toBeUndefined();
    expect(data.realtime(target('trade', 'KRW-NOPE'))).toBeUndefined();
  });
});

describe('the random walk', () => {
  it('is the same for the same seed, and differs for another seed', () => {
    const a = tradesOf(new MarketData(DEFAULT_MARKETS, 42, T0), 'KRW-BTC', 200);
    const b = tradesOf(new MarketData(DEFAULT_MARKETS, 42, T0), 'KRW-BTC', 200);
    const c = tradesOf(new MarketData(DEFAULT_MARKETS, 43, T0), 'KRW-BTC', 200);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    expect(c.map((trade) => trade.trade_price)).not.toEqual(a.map((trade) => trade.trade_price));
  });

  it('gives a market the same walk whatever other markets are listed', () => {
    const alone = tradesOf(new MarketData(['KRW-ETH'], 7, T0), 'KRW-ETH', 100);
    const crowded = tradesOf(new MarketData(DEFAULT_MARKETS, 7, T0), 'KRW-ETH', 100);
    expect(crowded).toEqual(alone);
  });

  it('keeps prices on the tick grid, the book around the last trade, and the ticker in step with trades', () => {
    const data = new MarketData(DEFAULT_MARKETS, 3, T0);
    for (let i = 1; i <= 300; i++) {
      const changes = data.step(T0 + i * 100);
      for (const { code, step } of changes) {
        const book = data.realtime(target('orderbook', code)) as OrderbookMessage;
        const [best] = book.orderbook_units;
        expect(best!.ask_price).toBeGreaterThan(best!.bid_price);
        const asks = book.orderbook_units.map((unit) => unit.ask_price);
        const bids = book.orderbook_units.map((unit) => unit.bid_price);
        expect(asks).toEqual([...asks].sort((x, y) => x - y));
        expect(bids).toEqual([...bids].sort((x, y) => y - x));
        if (!step.traded) continue;
        const trade = data.realtime(target('trade', code)) as TradeMessage;
        const ticker = data.realtime(target('ticker', code)) as TickerMessage;
        expect(isMultipleOf(trade.trade_price, tickSize('KRW', trade.trade_price)), `${code} ${trade.trade_price}`).toBe(true);
        expect([trade.best_ask_price, trade.best_bid_price]).toContain(trade.trade_price);
        expect(trade.best_ask_price).toBe(best!.ask_price);
        expect(trade.best_bid_price).toBe(best!.bid_price);
        expect(ticker.trade_price).toBe(trade.trade_price);
        expect(ticker.trade_volume).toBe(trade.trade_volume);
        expect(ticker.signed_change_price).toBeCloseTo(ticker.trade_price - ticker.prev_closing_price, 6);
        expect(ticker.high_price).toBeGreaterThanOrEqual(ticker.trade_price);
        expect(ticker.low_price).toBeLessThanOrEqual(ticker.trade_price);
      }
    }
  });

  it('starts a new ticker day at 00:00 UTC with the last price as the previous close', () => {
    const beforeMidnight = Date.UTC(2025, 0, 2, 23, 59, 59, 500);
    const market = new Market('KRW-BTC', 5, beforeMidnight);
    let now = beforeMidnight;
    while (!market.step((now += 100)).traded || now < Date.UTC(2025, 0, 3)) {
      // step until a trade after midnight
    }
    const ticker = market.ticker('REALTIME');
    expect(ticker.opening_price).toBe(ticker.prev_closing_price);
    expect(ticker.acc_trade_volume).toBe(ticker.trade_volume);
    expect(ticker.trade_date).toBe('20250103');
  });
});

describe('orderbooks', () => {
  const data = new MarketData(['KRW-BTC', 'BTC-ETH'], 1, T0);

  it.each([1, 5, 15, 30])('serves %i units', (depth) => {
    const book = data.snapshot(target('orderbook', 'KRW-BTC', depth)) as OrderbookMessage;
    expect(book.orderbook_units).toHaveLength(depth);
    const totalAsk = book.orderbook_units.reduce((sum, unit) => sum + unit.ask_size, 0);
    expect(book.total_ask_size).toBeCloseTo(totalAsk, 6);
  });

  it('groups prices by a supported level and echoes it', () => {
    const book = data.snapshot(target('orderbook', 'KRW-BTC', 15, 100_000)) as OrderbookMessage;
    expect(book.level).toBe(100_000);
    for (const unit of book.orderbook_units) {
      expect(unit.ask_price % 100_000).toBe(0);
      expect(unit.bid_price % 100_000).toBe(0);
    }
    expect(book.orderbook_units[1]!.ask_price - book.orderbook_units[0]!.ask_price).toBe(100_000);
  });

  it('sends nothing for a level Upbit would not serve (not a tick multiple, or a non-KRW market)', () => {
    expect(data.snapshot(target('orderbook', 'KRW-BTC', 30, 1_500))).toBeUndefined();
    expect(data.snapshot(target('orderbook', 'BTC-ETH', 30, 0.0001))).toBeUndefined();
    expect(data.snapshot(target('orderbook', 'BTC-ETH', 30, 0))).toMatchObject({ level: 0 });
  });
});

describe('candles', () => {
  it('come at most once a second per unit, only after trades, with the same time until the candle closes', () => {
    const data = new MarketData(['KRW-XRP'], 9, Date.UTC(2025, 0, 2, 12, 0, 50));
    const start = Date.UTC(2025, 0, 2, 12, 0, 50);
    const lastDue = new Map<CandleType, number>();
    const tradedSince = new Map<CandleType, boolean>(CANDLE_TYPES.map((type) => [type, false]));
    const minuteCandles: { at: number; time: string; open: number }[] = [];
    for (let i = 1; i <= 200; i++) {
      const now = start + i * 100;
      const [change] = data.step(now);
      if (change === undefined) continue;
      if (change.step.traded) for (const type of CANDLE_TYPES) tradedSince.set(type, true);
      for (const type of change.step.candles) {
        expect(tradedSince.get(type)).toBe(true);
        expect(now - (lastDue.get(type) ?? -Infinity)).toBeGreaterThanOrEqual(1_000);
        lastDue.set(type, now);
        tradedSince.set(type, false);
        if (type === 'candle.1m') {
          const candle = data.realtime(target('candle.1m', 'KRW-XRP')) as CandleMessage;
          minuteCandles.push({ at: now, time: candle.candle_date_time_utc, open: candle.opening_price });
        }
      }
    }
    const before = minuteCandles.filter(({ at }) => at < Date.UTC(2025, 0, 2, 12, 1));
    const after = minuteCandles.filter(({ at }) => at >= Date.UTC(2025, 0, 2, 12, 1));
    expect(before.length).toBeGreaterThan(3);
    expect(after.length).toBeGreaterThan(3);
    expect(new Set(before.map(({ time }) => time))).toEqual(new Set(['2025-01-02T12:00:00']));
    expect(new Set(after.map(({ time }) => time))).toEqual(new Set(['2025-01-02T12:01:00']));
    expect(new Set(after.map(({ open }) => open)).size).toBe(1);
  });
});
