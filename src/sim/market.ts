/**
 * One simulated market: a seeded random walk of trades, the day's ticker figures, an order book
 * that follows the price, and candles of every unit. It only computes; sending is elsewhere.
 */
import type {
  CandleMessage,
  CandleType,
  OrderbookMessage,
  StreamType,
  TickerMessage,
  TradeMessage,
} from '../protocol/upbit/types.js';
import { CANDLE_TYPES } from '../protocol/upbit/types.js';
import { CandleSeries } from './candles.js';
import { krwPerQuote, profileOf } from './catalogue.js';
import { colonTime, compactDate, compactTime, DAY_MS, dashedDate, utcDayStart } from './clock-format.js';
import { OrderBook } from './orderbook.js';
import { createPrng, hashString, type Prng } from './prng.js';
import { decimalsOf, quoteOf, roundTo, snap, tickSize } from './prices.js';

/** What one step changed, so only those streams get a realtime message. */
export interface MarketStep {
  readonly traded: boolean;
  readonly bookChanged: boolean;
  /** Candle units with a realtime message due now (at most one a second each, only after trades). */
  readonly candles: readonly CandleType[];
}

interface LastTrade {
  readonly price: number;
  readonly volume: number;
  readonly askBid: 'ASK' | 'BID';
  readonly at: number;
  readonly sequentialId: string;
}

/** Average value of one trade and of one order book level, in KRW. */
const MEAN_TRADE_KRW = 400_000;
const TYPICAL_LEVEL_KRW = 3_000_000;
/** Relative price move per trade (uniform in ±STEP) and the pull back towards the reference. */
const PRICE_STEP = 0.0004;
const MEAN_REVERSION = 0.02;
/** Probability that the book changes in a tick without a trade. */
const QUIET_BOOK_CHANGE = 0.5;
const VOLUME_DECIMALS = 8;
/** Upbit prints accumulated quote amounts with up to 8 decimals. */
const VALUE_DECIMALS = 8;

/** Trades a market may make in one millisecond: the four digits after the timestamp in an id. */
const TRADES_PER_MS = 10_000n;

/** Upbit's `change`: the direction against the previous close. */
function directionOf(change: number): 'RISE' | 'EVEN' | 'FALL' {
  return change > 0 ? 'RISE' : change < 0 ? 'FALL' : 'EVEN';
}

export class Market {
  readonly code: string;
  private readonly quote: string;
  private readonly prng: Prng;
  private readonly reference: number;
  private readonly activity: number;
  private readonly krwPerUnit: number;
  private readonly book: OrderBook;
  private readonly candles: Map<CandleType, CandleSeries>;

  private price: number;
  private dayStart: number;
  private openingPrice: number;
  private highPrice: number;
  private lowPrice: number;
  private prevClosingPrice: number;
  private accVolume: number;
  private accValue: number;
  private accAskVolume: number;
  private accBidVolume: number;
  private accVolume24h: number;
  private accValue24h: number;
  private high52: number;
  private high52Date: string;
  private low52: number;
  private low52Date: string;
  private last: LastTrade;
  /** Trades made so far; its last four digits end each trade id. */
  private tradeCount = 0n;
  /** Time of the last change; the `timestamp` of every message. */
  private updatedAt: number;

  constructor(code: string, seed: number, now: number) {
    this.code = code;
    this.quote = quoteOf(code);
    this.prng = createPrng((seed ^ hashString(code)) >>> 0);
    const profile = profileOf(code, seed);
    this.activity = profile.activity;
    this.krwPerUnit = krwPerQuote(code);
    this.reference = snap(profile.price, tickSize(this.quote, profile.price));

    const p = this.prng;
    const near = (factor: number): number => this.snapToGrid(this.reference * factor);
    this.price = near(p.between(0.97, 1.03));
    this.prevClosingPrice = near(p.between(0.95, 1.05));
    this.openingPrice = this.prevClosingPrice;
    this.highPrice = Math.max(this.price, this.openingPrice, near(p.between(1.0, 1.06)));
    this.lowPrice = Math.min(this.price, this.openingPrice, near(p.between(0.94, 1.0)));
    this.dayStart = utcDayStart(now);

    const dailyValueKrw = 1e9 + this.activity * 2e11 * p.between(0.5, 1.5);
    const dayFraction = (now - this.dayStart) / DAY_MS;
    this.accValue = this.toQuote(dailyValueKrw * dayFraction);
    this.accVolume = this.accValue / this.price;
    this.accAskVolume = this.accVolume * p.between(0.4, 0.6);
    this.accBidVolume = this.accVolume - this.accAskVolume;
    this.accValue24h = this.toQuote(dailyValueKrw);
    this.accVolume24h = this.accValue24h / this.price;

    this.high52 = near(p.between(1.3, 2.2));
    this.low52 = near(p.between(0.3, 0.7));
    this.high52Date = dashedDate(now - p.int(10, 300) * DAY_MS);
    this.low52Date = dashedDate(now - p.int(10, 360) * DAY_MS);

    this.last = this.makeTrade(this.price, p.chance(0.5) ? 'BID' : 'ASK', now - p.int(0, 2_000));
    this.updatedAt = now;

    this.book = new OrderBook(this.quote);
    this.book.placeAround(this.price, this.currentTick(), this.last.askBid === 'BID');
    this.book.reshuffle(p, this.typicalLevelSize());

    const first = { price: this.price, volume: this.last.volume, value: this.price * this.last.volume, at: this.last.at };
    this.candles = new Map(CANDLE_TYPES.map((type) => [type, new CandleSeries(type, first, VALUE_DECIMALS)]));
  }

  /**
   * Advances the market by one tick at `now`: maybe a trade (moving price, ticker and candles),
   * maybe a new book. Consumes the same random numbers whoever is subscribed, so a seed always
   * gives the same market.
   */
  step(now: number): MarketStep {
    const traded = this.prng.chance(this.activity);
    if (traded) this.trade(now);
    const bookChanged = traded || this.prng.chance(QUIET_BOOK_CHANGE);
    if (bookChanged) {
      if (!traded) this.book.placeAround(this.price, this.currentTick(), this.prng.chance(0.5));
      this.book.reshuffle(this.prng, this.typicalLevelSize());
    }
    if (traded || bookChanged) this.updatedAt = now;
    const candles: CandleType[] = [];
    for (const series of this.candles.values()) if (series.takeDue(now)) candles.push(series.type);
    return { traded, bookChanged, candles };
  }

  /** The last traded price (tests and demos read it). */
  get lastPrice(): number {
    return this.price;
  }

  ticker(streamType: StreamType): TickerMessage {
    const change = this.price - this.prevClosingPrice;
    const decimals = decimalsOf(this.currentTick());
    const rate = this.prevClosingPrice > 0 ? change / this.prevClosingPrice : 0;
    return {
      type: 'ticker',
      code: this.code,
      opening_price: this.openingPrice,
      high_price: this.highPrice,
      low_price: this.lowPrice,
      trade_price: this.price,
      prev_closing_price: this.prevClosingPrice,
      change: directionOf(change),
      change_price: roundTo(Math.abs(change), decimals),
      signed_change_price: roundTo(change, decimals),
      change_rate: roundTo(Math.abs(rate), 10),
      signed_change_rate: roundTo(rate, 10),
      trade_volume: this.last.volume,
      acc_trade_volume: roundTo(this.accVolume, VOLUME_DECIMALS),
      acc_trade_volume_24h: roundTo(this.accVolume24h, VOLUME_DECIMALS),
      acc_trade_price: roundTo(this.accValue, VALUE_DECIMALS),
      acc_trade_price_24h: roundTo(this.accValue24h, VALUE_DECIMALS),
      trade_date: compactDate(this.last.at),
      trade_time: compactTime(this.last.at),
      trade_timestamp: this.last.at,
      ask_bid: this.last.askBid,
      acc_ask_volume: roundTo(this.accAskVolume, VOLUME_DECIMALS),
      acc_bid_volume: roundTo(this.accBidVolume, VOLUME_DECIMALS),
      highest_52_week_price: this.high52,
      highest_52_week_date: this.high52Date,
      lowest_52_week_price: this.low52,
      lowest_52_week_date: this.low52Date,
      market_state: 'ACTIVE',
      is_trading_suspended: false,
      delisting_date: null,
      market_warning: 'NONE',
      timestamp: this.updatedAt,
      stream_type: streamType,
    };
  }

  lastTrade(streamType: StreamType): TradeMessage {
    const change = this.last.price - this.prevClosingPrice;
    return {
      type: 'trade',
      code: this.code,
      trade_price: this.last.price,
      trade_volume: this.last.volume,
      ask_bid: this.last.askBid,
      prev_closing_price: this.prevClosingPrice,
      change: directionOf(change),
      change_price: roundTo(Math.abs(change), decimalsOf(this.currentTick())),
      trade_date: dashedDate(this.last.at),
      trade_time: colonTime(this.last.at),
      trade_timestamp: this.last.at,
      timestamp: this.updatedAt,
      sequential_id: this.last.sequentialId,
      best_ask_price: this.book.bestAsk,
      best_ask_size: this.book.bestAskSize,
      best_bid_price: this.book.bestBid,
      best_bid_size: this.book.bestBidSize,
      stream_type: streamType,
    };
  }

  /** The book at `depth` grouped by `level`; `undefined` when Upbit would send nothing for that level. */
  orderbook(streamType: StreamType, depth: number, level: number): OrderbookMessage | undefined {
    return this.book.message(this.code, depth, level, this.currentTick(), streamType, this.updatedAt);
  }

  candle(type: CandleType, streamType: StreamType): CandleMessage {
    const series = this.candles.get(type);
    if (series === undefined) throw new RangeError(`no candle series ${type}`);
    return series.message(this.code, streamType, this.updatedAt);
  }

  private trade(now: number): void {
    this.rollDay(now);
    const p = this.prng;
    const pull = (this.reference - this.price) / this.reference;
    const move = p.between(-PRICE_STEP, PRICE_STEP) + pull * MEAN_REVERSION;
    let next = this.snapToGrid(this.price * (1 + move));
    if (next <= 0) next = this.currentTick();
    const askBid = p.chance(0.5) ? 'BID' : 'ASK';
    this.price = next;
    this.last = this.makeTrade(next, askBid, now);
    this.book.placeAround(next, this.tickSizeAt(next), askBid === 'BID');

    const value = next * this.last.volume;
    this.highPrice = Math.max(this.highPrice, next);
    this.lowPrice = Math.min(this.lowPrice, next);
    this.accVolume += this.last.volume;
    this.accValue += value;
    this.accVolume24h += this.last.volume;
    this.accValue24h += value;
    if (askBid === 'ASK') this.accAskVolume += this.last.volume;
    else this.accBidVolume += this.last.volume;
    if (next > this.high52) {
      this.high52 = next;
      this.high52Date = dashedDate(now);
    }
    if (next < this.low52) {
      this.low52 = next;
      this.low52Date = dashedDate(now);
    }
    const candleTrade = { price: next, volume: this.last.volume, value, at: now };
    for (const series of this.candles.values()) series.add(candleTrade);
  }

  /** Upbit's ticker day starts at 00:00 UTC: the opening price and the accumulations restart there. */
  private rollDay(now: number): void {
    const day = utcDayStart(now);
    if (day === this.dayStart) return;
    this.dayStart = day;
    this.prevClosingPrice = this.price;
    this.openingPrice = this.highPrice = this.lowPrice = this.price;
    this.accVolume = this.accValue = this.accAskVolume = this.accBidVolume = 0;
  }

  private makeTrade(price: number, askBid: 'ASK' | 'BID', at: number): LastTrade {
    const valueKrw = -Math.log(1 - this.prng.next()) * MEAN_TRADE_KRW + 5_000;
    const volume = Math.max(roundTo(valueKrw / this.krwPerUnit / price, VOLUME_DECIMALS), 0.00000001);
    return { price, volume, askBid, at, sequentialId: this.nextTradeId(at) };
  }

  /**
   * Upbit's trade ids as captured: the trade's millisecond timestamp followed by four digits
   * (`17853950437790001` is a trade at 1785395043779 ms), 17 digits today, above 2^53. The four
   * digits are this market's trade count, so ids are unique and half of them odd.
   */
  private nextTradeId(at: number): string {
    this.tradeCount++;
    return (BigInt(at) * TRADES_PER_MS + (this.tradeCount % TRADES_PER_MS)).toString();
  }

  private typicalLevelSize(): number {
    return TYPICAL_LEVEL_KRW / this.krwPerUnit / this.price;
  }

  private toQuote(krw: number): number {
    return krw / this.krwPerUnit;
  }

  /** A price on the tick grid that applies at that price. */
  private snapToGrid(price: number): number {
    return snap(price, this.tickSizeAt(price));
  }

  private currentTick(): number {
    return this.tickSizeAt(this.price);
  }

  private tickSizeAt(price: number): number {
    return tickSize(this.quote, price);
  }
}
