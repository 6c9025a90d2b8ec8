import type {
  CandleMessage,
  CandleType,
  MyAssetMessage,
  MyOrderMessage,
  OrderbookMessage,
  StreamType,
  TickerMessage,
  TradeMessage,
} from '../../src/protocol/upbit/types.js';

/** Decoded frames with Upbit's DEFAULT names; only the fields routing reads are filled in with care. */

export function ticker(code: string, stream_type: StreamType = 'REALTIME', trade_price = 1): TickerMessage {
  return { type: 'ticker', code, stream_type, timestamp: 0, trade_price } as TickerMessage;
}

export function trade(code: string, stream_type: StreamType = 'REALTIME', sequential_id = 1): TradeMessage {
  return { type: 'trade', code, stream_type, timestamp: 0, sequential_id: String(sequential_id) } as TradeMessage;
}

export function candle(type: CandleType, code: string, stream_type: StreamType = 'REALTIME'): CandleMessage {
  return { type, code, stream_type, timestamp: 0, candle_date_time_utc: '2025-01-01T00:00:00' } as CandleMessage;
}

export function orderbook(
  code: string,
  options: { level?: number; units?: number; stream_type?: StreamType } = {},
): OrderbookMessage {
  const { level = 0, units = 30, stream_type = 'REALTIME' } = options;
  return {
    type: 'orderbook',
    code,
    stream_type,
    timestamp: 0,
    level,
    total_ask_size: 1,
    total_bid_size: 1,
    orderbook_units: Array.from({ length: units }, (_, i) => ({
      ask_price: 100 + i,
      bid_price: 99 - i,
      ask_size: 1,
      bid_size: 1,
    })),
  };
}

export function myOrder(code: string): MyOrderMessage {
  return { type: 'myOrder', code, stream_type: 'REALTIME', timestamp: 0, uuid: 'u', state: 'wait' } as MyOrderMessage;
}

export function myAsset(): MyAssetMessage {
  return { type: 'myAsset', code: '', stream_type: 'REALTIME', timestamp: 0, asset_uuid: 'a', assets: [] } as unknown as MyAssetMessage;
}
