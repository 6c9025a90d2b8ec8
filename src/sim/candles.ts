/**
 * One market's candle of one unit (candle.1s … candle.240m), built from its trades.
 *
 * Upbit (https://docs.upbit.com/kr/reference/websocket-candle): candle messages come at most once
 * a second per unit and only when trades happen; the same candle time may be sent several times
 * while the candle is open, the last one wins.
 */
import type { CandleMessage, CandleType, StreamType } from '../protocol/upbit/types.js';
import { candleTimeKst, candleTimeUtc } from './clock-format.js';

const UNIT_MS: Readonly<Record<CandleType, number>> = {
  'candle.1s': 1_000,
  'candle.1m': 60_000,
  'candle.3m': 180_000,
  'candle.5m': 300_000,
  'candle.10m': 600_000,
  'candle.15m': 900_000,
  'candle.30m': 1_800_000,
  'candle.60m': 3_600_000,
  'candle.240m': 14_400_000,
};

/** Minimum time between two realtime messages of one candle unit. */
export const CANDLE_MIN_INTERVAL_MS = 1_000;

export interface CandleTrade {
  readonly price: number;
  readonly volume: number;
  /** Quote-currency value of the trade (price × volume). */
  readonly value: number;
  readonly at: number;
}

export class CandleSeries {
  readonly type: CandleType;
  private readonly unitMs: number;
  private readonly valueDecimals: number;
  private start = 0;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;
  private value = 0;
  /** A trade changed the candle since its last realtime message. */
  private pending = false;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(type: CandleType, first: CandleTrade, valueDecimals: number) {
    this.type = type;
    this.unitMs = UNIT_MS[type];
    this.valueDecimals = valueDecimals;
    this.add(first);
    this.pending = false;
  }

  add(trade: CandleTrade): void {
    const start = Math.floor(trade.at / this.unitMs) * this.unitMs;
    if (start !== this.start) {
      this.start = start;
      this.open = this.high = this.low = trade.price;
      this.volume = 0;
      this.value = 0;
    }
    this.high = Math.max(this.high, trade.price);
    this.low = Math.min(this.low, trade.price);
    this.close = trade.price;
    this.volume += trade.volume;
    this.value += trade.value;
    this.pending = true;
  }

  /**
   * Whether a realtime message is due at `now`: a trade happened since the last one and at least
   * a second has passed. Marks it sent when it is.
   */
  takeDue(now: number): boolean {
    if (!this.pending || now - this.lastSentAt < CANDLE_MIN_INTERVAL_MS) return false;
    this.pending = false;
    this.lastSentAt = now;
    return true;
  }

  message(code: string, streamType: StreamType, timestamp: number): CandleMessage {
    return {
      type: this.type,
      code,
      candle_date_time_utc: candleTimeUtc(this.start),
      candle_date_time_kst: candleTimeKst(this.start),
      opening_price: this.open,
      high_price: this.high,
      low_price: this.low,
      trade_price: this.close,
      candle_acc_trade_volume: Number(this.volume.toFixed(8)),
      candle_acc_trade_price: Number(this.value.toFixed(this.valueDecimals)),
      timestamp,
      stream_type: streamType,
    };
  }
}
