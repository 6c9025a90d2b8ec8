/**
 * Upbit WebSocket protocol: the shapes that cross the wire, with Upbit's DEFAULT field names.
 * Sources: docs/protocol.md (Upbit's quotation and exchange WebSocket references), checked against
 * frames captured from the live exchange (test/protocol/real-frames.json). A field that frames of
 * some age or some markets lack is optional, with the reason beside it.
 */

export const CANDLE_TYPES = [
  'candle.1s',
  'candle.1m',
  'candle.3m',
  'candle.5m',
  'candle.10m',
  'candle.15m',
  'candle.30m',
  'candle.60m',
  'candle.240m',
] as const;

export const PUBLIC_TYPES = ['ticker', 'trade', 'orderbook', ...CANDLE_TYPES] as const;
export const PRIVATE_TYPES = ['myOrder', 'myAsset'] as const;
export const DATA_TYPES = [...PUBLIC_TYPES, ...PRIVATE_TYPES] as const;

export type CandleType = (typeof CANDLE_TYPES)[number];
export type PublicType = (typeof PUBLIC_TYPES)[number];
export type PrivateType = (typeof PRIVATE_TYPES)[number];
/** Every subscribable data type. Candle units are distinct types. */
export type DataType = (typeof DATA_TYPES)[number];

/** Orderbook depths Upbit accepts as a `CODE.N` suffix; 30 when omitted. */
export const ORDERBOOK_DEPTHS = [1, 5, 15, 30] as const;
export type OrderbookDepth = (typeof ORDERBOOK_DEPTHS)[number];
export const DEFAULT_ORDERBOOK_DEPTH: OrderbookDepth = 30;

export const FORMATS = ['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST'] as const;
export type Format = (typeof FORMATS)[number];

export type StreamType = 'SNAPSHOT' | 'REALTIME';

/** A market code: `QUOTE-BASE`, upper case, digits allowed (`KRW-BTC`, `KRW-1INCH`, `SGD-BTC`). */
export const MARKET_CODE = /^[A-Z0-9]{1,16}-[A-Z0-9]{1,16}$/;

/** Which socket a type travels on. */
/** The two kinds of Upbit connection, in the order they are reported. */
export const CONNECTION_KINDS = ['public', 'private'] as const;
export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

/**
 * One socket of the orchestrator: `'private'`, or a shard of the public desired state: `'public'`
 * (the first), then `'public-2'`, `'public-3'`, … as the pool grows.
 */
export type ConnectionId = ConnectionKind | PublicShardId;
/** A public connection after the first. */
export type PublicShardId = `public-${number}`;


export const ERROR_NAMES = [
  'INVALID_AUTH',
  'WRONG_FORMAT',
  'NO_TICKET',
  'NO_TYPE',
  'NO_CODES',
  'INVALID_PARAM',
] as const;
export type UpbitErrorName = (typeof ERROR_NAMES)[number];

// ─── Requests ────────────────────────────────────────────────────────────────

/** One `{type, codes, …}` field of a request. Several may share a type. */
export interface TypeField {
  readonly type: DataType;
  /** Upper-case market codes; orderbook codes may carry a `.N` depth suffix. Omitted for myAsset. */
  readonly codes?: readonly string[];
  /** Orderbook price-grouping level (KRW markets only). */
  readonly level?: number;
  readonly isOnlySnapshot?: boolean;
  readonly isOnlyRealtime?: boolean;
}

export interface SubscribeRequest {
  readonly ticket: string;
  readonly fields: readonly TypeField[];
  /** @default 'DEFAULT' */
  readonly format?: Format;
}

export interface ListSubscriptionsRequest {
  readonly ticket: string;
  readonly method: 'LIST_SUBSCRIPTIONS';
  readonly format?: Format;
}

/** One entry of a LIST_SUBSCRIPTIONS reply. */
export interface ListedSubscription {
  readonly type: DataType;
  readonly codes?: readonly string[];
  readonly level?: number;
}

// ─── Requests as the server reads them ───────────────────────────────────────

/** One requested market; orderbook codes carry their depth (30 when no `.N` suffix was given). */
export interface ParsedCode {
  readonly code: string;
  readonly depth?: OrderbookDepth;
}

/** A validated, normalised type field. */
export interface ParsedTypeField {
  readonly type: DataType;
  /** `undefined` for myAsset, and for myOrder without codes (every market). Duplicates removed. */
  readonly codes: readonly ParsedCode[] | undefined;
  /** Orderbook only, when the request gave one. */
  readonly level?: number;
  /** Whether the current value is sent first (false with `isOnlyRealtime`). */
  readonly snapshot: boolean;
  /** Whether updates stream after it (false with `isOnlySnapshot`). */
  readonly realtime: boolean;
}

/** What the server makes of one client frame. */
export type ParsedRequest =
  | {
      readonly ok: true;
      readonly kind: 'subscribe';
      readonly ticket: string;
      readonly fields: readonly ParsedTypeField[];
      /** `DEFAULT` when the request has no format field. */
      readonly format: Format;
    }
  | {
      readonly ok: true;
      readonly kind: 'list';
      readonly ticket: string;
      /** Only when given: asking in another format switches the live streams to it. */
      readonly format: Format | undefined;
    }
  | { readonly ok: false; readonly error: UpbitErrorName; readonly message: string };

// ─── Messages (DEFAULT names) ────────────────────────────────────────────────

interface MessageBase<T extends DataType> {
  readonly type: T;
  readonly code: string;
  readonly timestamp: number;
  readonly stream_type: StreamType;
}

export interface TickerMessage extends MessageBase<'ticker'> {
  readonly opening_price: number;
  readonly high_price: number;
  readonly low_price: number;
  readonly trade_price: number;
  readonly prev_closing_price: number;
  readonly change: 'RISE' | 'EVEN' | 'FALL';
  readonly change_price: number;
  readonly signed_change_price: number;
  readonly change_rate: number;
  readonly signed_change_rate: number;
  readonly trade_volume: number;
  readonly acc_trade_volume: number;
  readonly acc_trade_volume_24h: number;
  readonly acc_trade_price: number;
  readonly acc_trade_price_24h: number;
  readonly trade_date: string;
  readonly trade_time: string;
  readonly trade_timestamp: number;
  readonly ask_bid: 'ASK' | 'BID';
  readonly acc_ask_volume: number;
  readonly acc_bid_volume: number;
  readonly highest_52_week_price: number;
  readonly highest_52_week_date: string;
  readonly lowest_52_week_price: number;
  readonly lowest_52_week_date: string;
  readonly market_state: 'PREVIEW' | 'ACTIVE' | 'DELISTED';
  readonly market_warning: 'NONE' | 'CAUTION';
  /** Whether trading in the market is suspended. In the 2024 capture and in Upbit's 2018 example. */
  readonly is_trading_suspended: boolean;
  /** The delisting date (`yyyy-MM-dd`) of a market being delisted, else `null`. */
  readonly delisting_date: string | null;
  /**
   * Deprecated by Upbit and absent from current frames (the 2024 capture lacks it; a 2018 example
   * has it): only old recordings carry it.
   * @deprecated
   */
  readonly trade_status?: string | null;
  /** Deprecated by Upbit and absent from current frames, like `trade_status`. @deprecated */
  readonly market_state_for_ios?: string | null;
}

export interface TradeMessage extends MessageBase<'trade'> {
  readonly trade_price: number;
  readonly trade_volume: number;
  readonly ask_bid: 'ASK' | 'BID';
  readonly prev_closing_price: number;
  readonly change: 'RISE' | 'EVEN' | 'FALL';
  readonly change_price: number;
  readonly trade_date: string;
  readonly trade_time: string;
  readonly trade_timestamp: number;
  /**
   * Unique per trade; not an ordering guarantee (Upbit's trade page). A **string of decimal
   * digits**, exactly as on the wire: today's ids have 17 digits (the trade's millisecond
   * timestamp, then four digits), above 2^53, where a JS number would round them and make two
   * trades share an id. A string rather than a `bigint` so messages stay JSON-serialisable;
   * compare two ids numerically by length, then as strings. See docs/protocol.md, *Exact trade ids*.
   */
  readonly sequential_id: string;
  /** Best ask at the trade. Absent from trade frames before 2024 (added by Upbit since). */
  readonly best_ask_price?: number;
  /** Absent before 2024, like `best_ask_price`. */
  readonly best_ask_size?: number;
  /** Absent before 2024, like `best_ask_price`. */
  readonly best_bid_price?: number;
  /** Absent before 2024, like `best_ask_price`. */
  readonly best_bid_size?: number;
}

export interface OrderbookUnit {
  readonly ask_price: number;
  readonly bid_price: number;
  readonly ask_size: number;
  readonly bid_size: number;
}

/** Every orderbook message is a full book at the requested depth, not a delta. */
export interface OrderbookMessage extends MessageBase<'orderbook'> {
  readonly total_ask_size: number;
  readonly total_bid_size: number;
  readonly orderbook_units: readonly OrderbookUnit[];
  /** Price-grouping level (0 = none). Absent from orderbook frames before 2024 (a 2019 capture lacks it). */
  readonly level?: number;
}

export interface CandleMessage<T extends CandleType = CandleType> extends MessageBase<T> {
  readonly candle_date_time_utc: string;
  readonly candle_date_time_kst: string;
  readonly opening_price: number;
  readonly high_price: number;
  readonly low_price: number;
  readonly trade_price: number;
  readonly candle_acc_trade_volume: number;
  readonly candle_acc_trade_price: number;
}

export type OrderState = 'wait' | 'watch' | 'trade' | 'done' | 'cancel' | 'prevented';

export interface MyOrderMessage extends MessageBase<'myOrder'> {
  readonly uuid: string;
  readonly ask_bid: 'ASK' | 'BID';
  readonly order_type: 'limit' | 'price' | 'market' | 'best';
  readonly state: OrderState;
  readonly trade_uuid?: string | null;
  readonly price: number;
  readonly avg_price: number;
  readonly volume: number;
  readonly remaining_volume: number;
  readonly executed_volume: number;
  readonly trades_count: number;
  readonly reserved_fee: number;
  readonly remaining_fee: number;
  readonly paid_fee: number;
  readonly locked: number;
  readonly executed_funds: number;
  readonly time_in_force?: string | null;
  readonly trade_fee?: number | null;
  readonly is_maker?: boolean | null;
  readonly identifier?: string | null;
  readonly smp_type?: string | null;
  /**
   * Volume cancelled by self-match prevention. Upbit's pages give it as a number in one place and
   * a string in another; the decoder turns a decimal string into a number (`readMyOrder` in
   * decode.ts, the one place that does), so it is always a number here.
   */
  readonly prevented_volume?: number;
  /** Funds released by self-match prevention; number or string on the wire, like `prevented_volume`. */
  readonly prevented_locked?: number;
  readonly trade_timestamp?: number | null;
  readonly order_timestamp: number;
}

export interface AssetBalance {
  readonly currency: string;
  readonly balance: number;
  readonly locked: number;
}

/** myAsset has no market code; `code` is absent on the wire and set to '' by the decoder. */
export interface MyAssetMessage extends MessageBase<'myAsset'> {
  readonly asset_uuid: string;
  readonly assets: readonly AssetBalance[];
  readonly asset_timestamp: number;
}

export type UpbitMessage =
  | TickerMessage
  | TradeMessage
  | OrderbookMessage
  | CandleMessage
  | MyOrderMessage
  | MyAssetMessage;

/** The message type delivered for a data type: `MessageOf<'candle.1m'>` is `CandleMessage<'candle.1m'>`. */
export type MessageOf<T extends DataType> = T extends 'ticker'
  ? TickerMessage
  : T extends 'trade'
    ? TradeMessage
    : T extends 'orderbook'
      ? OrderbookMessage
      : T extends CandleType
        ? CandleMessage<T>
        : T extends 'myOrder'
          ? MyOrderMessage
          : T extends 'myAsset'
            ? MyAssetMessage
            : never;

// ─── Decoded frames ──────────────────────────────────────────────────────────

/** What the decoder makes of one inbound frame. It never throws: bad input is `invalid`. */
export type DecodedFrame =
  | { readonly kind: 'message'; readonly message: UpbitMessage }
  /** JSON_LIST / SIMPLE_LIST: several messages in one frame. */
  | { readonly kind: 'messages'; readonly messages: readonly UpbitMessage[] }
  /** `{"status":"UP"}`, the answer to a text PING. */
  | { readonly kind: 'status'; readonly status: string }
  | { readonly kind: 'error'; readonly name: UpbitErrorName | (string & {}); readonly message: string }
  | {
      readonly kind: 'subscriptions';
      readonly ticket: string;
      readonly result: readonly ListedSubscription[];
    }
  | { readonly kind: 'invalid'; readonly reason: string; readonly raw: string };

export function isPrivateType(type: DataType): type is PrivateType {
  return type === 'myOrder' || type === 'myAsset';
}

const DATA_TYPE_SET: ReadonlySet<unknown> = new Set(DATA_TYPES);

/** Whether a value read off the wire names a data type upstate knows (case-sensitive). */
export function isDataType(value: unknown): value is DataType {
  return DATA_TYPE_SET.has(value);
}

export function isCandleType(type: string): type is CandleType {
  return (CANDLE_TYPES as readonly string[]).includes(type);
}

export function connectionKindOf(type: DataType): ConnectionKind {
  return isPrivateType(type) ? 'private' : 'public';
}
