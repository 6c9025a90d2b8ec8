/** The columns `upstate watch` shows for each data type, read from DEFAULT field names. */
import type {
  CandleMessage,
  DataType,
  MyAssetMessage,
  MyOrderMessage,
  OrderbookMessage,
  TickerMessage,
  TradeMessage,
  UpbitMessage,
} from '../protocol/upbit/types.js';

export interface Column {
  readonly header: string;
  readonly cell: (message: UpbitMessage) => string;
}

function column<M extends UpbitMessage>(header: string, cell: (message: M) => unknown): Column {
  return { header, cell: (message) => format(cell(message as M)) };
}

function format(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(10)));
  return value === undefined || value === null ? '–' : String(value);
}

const percent = (rate: number): string => `${(rate * 100).toFixed(2)}%`;
/** Upbit's ticker time `HHmmss` (UTC) → `HH:mm:ss`. */
const clock = (hhmmss: string): string => hhmmss.replace(/^(\d\d)(\d\d)(\d\d)$/, '$1:$2:$3');

const TICKER: readonly Column[] = [
  column<TickerMessage>('code', (m) => m.code),
  column<TickerMessage>('price', (m) => m.trade_price),
  column<TickerMessage>('change', (m) => percent(m.signed_change_rate)),
  column<TickerMessage>('volume 24h', (m) => m.acc_trade_volume_24h.toFixed(3)),
  column<TickerMessage>('time', (m) => clock(m.trade_time)),
  column<TickerMessage>('stream', (m) => m.stream_type),
];

const TRADE: readonly Column[] = [
  column<TradeMessage>('code', (m) => m.code),
  column<TradeMessage>('time', (m) => m.trade_time),
  column<TradeMessage>('side', (m) => m.ask_bid),
  column<TradeMessage>('price', (m) => m.trade_price),
  column<TradeMessage>('volume', (m) => m.trade_volume),
  column<TradeMessage>('stream', (m) => m.stream_type),
];

const ORDERBOOK: readonly Column[] = [
  column<OrderbookMessage>('code', (m) => m.code),
  column<OrderbookMessage>('best bid', (m) => m.orderbook_units[0]?.bid_price),
  column<OrderbookMessage>('best ask', (m) => m.orderbook_units[0]?.ask_price),
  column<OrderbookMessage>('bid size', (m) => m.total_bid_size.toFixed(3)),
  column<OrderbookMessage>('ask size', (m) => m.total_ask_size.toFixed(3)),
  column<OrderbookMessage>('levels', (m) => m.orderbook_units.length),
  column<OrderbookMessage>('stream', (m) => m.stream_type),
];

const CANDLE: readonly Column[] = [
  column<CandleMessage>('code', (m) => m.code),
  column<CandleMessage>('candle (KST)', (m) => m.candle_date_time_kst),
  column<CandleMessage>('open', (m) => m.opening_price),
  column<CandleMessage>('high', (m) => m.high_price),
  column<CandleMessage>('low', (m) => m.low_price),
  column<CandleMessage>('close', (m) => m.trade_price),
  column<CandleMessage>('volume', (m) => m.candle_acc_trade_volume.toFixed(4)),
];

const MY_ORDER: readonly Column[] = [
  column<MyOrderMessage>('code', (m) => m.code),
  column<MyOrderMessage>('order', (m) => m.uuid.slice(0, 8)),
  column<MyOrderMessage>('side', (m) => m.ask_bid),
  column<MyOrderMessage>('type', (m) => m.order_type),
  column<MyOrderMessage>('state', (m) => m.state),
  column<MyOrderMessage>('price', (m) => m.price),
  column<MyOrderMessage>('volume', (m) => m.volume),
  column<MyOrderMessage>('executed', (m) => m.executed_volume),
];

const MY_ASSET: readonly Column[] = [
  column<MyAssetMessage>('time', (m) => new Date(m.asset_timestamp).toISOString().slice(11, 19)),
  column<MyAssetMessage>('assets', (m) => m.assets.map((a) => `${a.currency} ${format(a.balance)}`).join(' · ')),
];

export function columnsFor(type: DataType): readonly Column[] {
  switch (type) {
    case 'ticker':
      return TICKER;
    case 'trade':
      return TRADE;
    case 'orderbook':
      return ORDERBOOK;
    case 'myOrder':
      return MY_ORDER;
    case 'myAsset':
      return MY_ASSET;
    default:
      return CANDLE;
  }
}

/** The row a live table keeps one of: per market (per order for myOrder; one for myAsset). */
export function rowKey(message: UpbitMessage): string {
  if (message.type === 'myOrder') return message.uuid;
  return message.code;
}
