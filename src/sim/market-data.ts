/**
 * Every simulated market, advanced together one tick at a time, and the messages they give for a
 * stream: SNAPSHOT on demand, REALTIME built once per tick and shared by every subscriber.
 */
import type { StreamType, UpbitMessage } from '../protocol/upbit/types.js';
import { isCandleType } from '../protocol/upbit/types.js';
import { Market, type MarketStep } from './market.js';
import type { StreamTarget } from './subscription.js';

export interface MarketChange {
  readonly code: string;
  readonly step: MarketStep;
}

export class MarketData {
  private readonly markets: ReadonlyMap<string, Market>;
  /** REALTIME messages built during the current tick, keyed by stream. */
  private realtimeCache = new Map<string, UpbitMessage | undefined>();

  constructor(codes: readonly string[], seed: number, now: number) {
    this.markets = new Map(codes.map((code) => [code, new Market(code, seed, now)]));
  }

  /** Advances every market one tick, in listing order; returns the markets that changed. */
  step(now: number): MarketChange[] {
    this.realtimeCache = new Map();
    const changes: MarketChange[] = [];
    for (const market of this.markets.values()) {
      const step = market.step(now);
      if (step.traded || step.bookChanged || step.candles.length > 0) changes.push({ code: market.code, step });
    }
    return changes;
  }

  has(code: string): boolean {
    return this.markets.has(code);
  }

  /** The last traded price of a market (for demos and tests). */
  lastPrice(code: string): number | undefined {
    return this.markets.get(code)?.lastPrice;
  }

  /** The current value of a stream; `undefined` for an unlisted market or an unsupported level. */
  snapshot(target: StreamTarget): UpbitMessage | undefined {
    return this.build(target, 'SNAPSHOT');
  }

  /** This tick's REALTIME message of a stream, the same object for every subscriber. */
  realtime(target: StreamTarget): UpbitMessage | undefined {
    const key = `${target.type}|${target.code}|${target.depth}|${target.level}`;
    if (this.realtimeCache.has(key)) return this.realtimeCache.get(key);
    const message = this.build(target, 'REALTIME');
    this.realtimeCache.set(key, message);
    return message;
  }

  private build(target: StreamTarget, streamType: StreamType): UpbitMessage | undefined {
    const market = this.markets.get(target.code);
    if (market === undefined) return undefined;
    if (target.type === 'ticker') return market.ticker(streamType);
    if (target.type === 'trade') return market.lastTrade(streamType);
    if (target.type === 'orderbook') return market.orderbook(streamType, target.depth, target.level);
    if (isCandleType(target.type)) return market.candle(target.type, streamType);
    return undefined;
  }
}
