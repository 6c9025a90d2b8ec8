/**
 * One market's order book: the best prices follow the last trade, sizes move every time the book
 * changes. Messages are full books at the requested depth, never deltas (Upbit:
 * https://docs.upbit.com/reference/websocket-orderbook).
 *
 * `level` ("호가 모아보기") groups prices into buckets of `level` in the quote currency; Upbit
 * supports it on KRW markets only, with levels that are multiples of the tick size, and sends
 * nothing for an unsupported level.
 */
import type { OrderbookMessage, OrderbookUnit, StreamType } from '../protocol/upbit/types.js';
import { DEFAULT_ORDERBOOK_DEPTH } from '../protocol/upbit/types.js';
import type { Prng } from './prng.js';
import { decimalsOf, isMultipleOf, roundTo, snap } from './prices.js';

const MAX_DEPTH = DEFAULT_ORDERBOOK_DEPTH;
const SIZE_DECIMALS = 8;

export class OrderBook {
  bestAsk = 0;
  bestBid = 0;
  /** Size at each of the 30 ask / bid price levels, nearest first. */
  private readonly askSizes: number[] = new Array<number>(MAX_DEPTH).fill(0);
  private readonly bidSizes: number[] = new Array<number>(MAX_DEPTH).fill(0);

  constructor(private readonly quote: string) {}

  /** Places the best prices around a trade: the aggressor took the side it traded against. */
  placeAround(price: number, tick: number, buyerTook: boolean): void {
    const decimals = decimalsOf(tick);
    this.bestAsk = buyerTook ? price : roundTo(price + tick, decimals);
    this.bestBid = buyerTook ? roundTo(price - tick, decimals) : price;
  }

  /** New sizes for every level, around `typicalSize` (base units per level at the current price). */
  reshuffle(prng: Prng, typicalSize: number): void {
    for (let i = 0; i < MAX_DEPTH; i++) {
      this.askSizes[i] = randomSize(prng, typicalSize, i);
      this.bidSizes[i] = randomSize(prng, typicalSize, i);
    }
  }

  get bestAskSize(): number {
    return this.askSizes[0] ?? 0;
  }

  get bestBidSize(): number {
    return this.bidSizes[0] ?? 0;
  }

  /** Whether Upbit would serve this grouping level for this market. */
  supportsLevel(level: number, tick: number): boolean {
    if (level === 0) return true;
    return this.quote === 'KRW' && level >= tick && isMultipleOf(level, tick);
  }

  /**
   * The book at `depth` units grouped by `level` (0 = the tick), or `undefined` for a level this
   * market does not support (Upbit then sends nothing).
   */
  message(
    code: string,
    depth: number,
    level: number,
    tick: number,
    streamType: StreamType,
    timestamp: number,
  ): OrderbookMessage | undefined {
    if (!this.supportsLevel(level, tick)) return undefined;
    const step = level > 0 ? level : tick;
    const decimals = decimalsOf(step);
    // Grouping `step / tick` ticks into one bucket adds their sizes; the square root keeps
    // grouped books plausible without summing thousands of simulated levels.
    const grouping = Math.sqrt(Math.min(step / tick, 10_000));
    const firstAsk = snap(this.bestAsk, step, 'up');
    const firstBid = snap(this.bestBid, step, 'down');
    const units: OrderbookUnit[] = [];
    let totalAsk = 0;
    let totalBid = 0;
    for (let i = 0; i < depth; i++) {
      const bidPrice = roundTo(firstBid - i * step, decimals);
      if (bidPrice <= 0) break;
      const askSize = roundTo((this.askSizes[i % MAX_DEPTH] ?? 0) * grouping, SIZE_DECIMALS);
      const bidSize = roundTo((this.bidSizes[i % MAX_DEPTH] ?? 0) * grouping, SIZE_DECIMALS);
      totalAsk += askSize;
      totalBid += bidSize;
      units.push({ ask_price: roundTo(firstAsk + i * step, decimals), bid_price: bidPrice, ask_size: askSize, bid_size: bidSize });
    }
    return {
      type: 'orderbook',
      code,
      total_ask_size: roundTo(totalAsk, SIZE_DECIMALS),
      total_bid_size: roundTo(totalBid, SIZE_DECIMALS),
      orderbook_units: units,
      timestamp,
      level,
      stream_type: streamType,
    };
  }
}

/** Sizes grow a little away from the best price, as real books do. */
function randomSize(prng: Prng, typicalSize: number, index: number): number {
  const depthFactor = 1 + index / 10;
  return roundTo(typicalSize * prng.between(0.05, 2) * depthFactor, SIZE_DECIMALS) || 0.00000001;
}
