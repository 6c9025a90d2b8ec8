/**
 * DEFAULT ↔ SIMPLE field names of Upbit's WebSocket messages.
 *
 * With `format: "SIMPLE"` (or `SIMPLE_LIST`) Upbit abbreviates every key (`trade_price` → `tp`);
 * upstate hands subscribers DEFAULT names whatever the wire format, so SIMPLE frames are renamed
 * with these tables. One table per data type drives both directions (the reverse tables are
 * derived, never written by hand). Keys not in a table pass through unchanged, so a field Upbit
 * adds later still reaches subscribers.
 *
 * Sources (the "축약형" / "Abbreviation" column of each reference page):
 * - ticker:    https://docs.upbit.com/kr/reference/websocket-ticker
 * - trade:     https://docs.upbit.com/kr/reference/websocket-trade
 * - orderbook: https://docs.upbit.com/reference/websocket-orderbook
 * - candle:    https://docs.upbit.com/kr/reference/websocket-candle
 * - myOrder:   https://docs.upbit.com/kr/reference/websocket-myorder
 * - myAsset:   https://global-docs.upbit.com/reference/websocket-myasset
 * - LIST_SUBSCRIPTIONS reply: https://docs.upbit.com/kr/reference/list-subscriptions
 */
import type { DataType, ListedSubscription, UpbitMessage } from './types.js';
import { isRecord } from './json.js';
import { CANDLE_TYPES, isDataType } from './types.js';

/** An array-valued field whose entries have abbreviated keys of their own. */
export interface NestedKeys {
  /** The SIMPLE name of the array field itself (`orderbook_units` → `obu`). */
  readonly key: string;
  /** DEFAULT → SIMPLE names inside each entry (`ask_price` → `ap`). */
  readonly items: Readonly<Record<string, string>>;
}

/** DEFAULT key → SIMPLE key (or, for arrays of objects, the nested table). */
export type KeyTable = Readonly<Record<string, string | NestedKeys>>;

/** Present in every data message. */
const COMMON = { type: 'ty', code: 'cd', timestamp: 'tms', stream_type: 'st' } as const;

const TICKER = {
  ...COMMON,
  opening_price: 'op',
  high_price: 'hp',
  low_price: 'lp',
  trade_price: 'tp',
  prev_closing_price: 'pcp',
  change: 'c',
  change_price: 'cp',
  signed_change_price: 'scp',
  change_rate: 'cr',
  signed_change_rate: 'scr',
  trade_volume: 'tv',
  acc_trade_volume: 'atv',
  acc_trade_volume_24h: 'atv24h',
  acc_trade_price: 'atp',
  acc_trade_price_24h: 'atp24h',
  // ticker abbreviates trade_date as `tdt`; trade uses `td`.
  trade_date: 'tdt',
  trade_time: 'ttm',
  trade_timestamp: 'ttms',
  ask_bid: 'ab',
  acc_ask_volume: 'aav',
  acc_bid_volume: 'abv',
  highest_52_week_price: 'h52wp',
  highest_52_week_date: 'h52wdt',
  lowest_52_week_price: 'l52wp',
  lowest_52_week_date: 'l52wdt',
  market_state: 'ms',
  market_warning: 'mw',
  // Deprecated by Upbit but still documented (and still sent) on the ticker.
  trade_status: 'ts',
  market_state_for_ios: 'msfi',
  is_trading_suspended: 'its',
  delisting_date: 'dd',
} as const;

const TRADE = {
  ...COMMON,
  trade_price: 'tp',
  trade_volume: 'tv',
  ask_bid: 'ab',
  prev_closing_price: 'pcp',
  change: 'c',
  change_price: 'cp',
  trade_date: 'td',
  trade_time: 'ttm',
  trade_timestamp: 'ttms',
  sequential_id: 'sid',
  best_ask_price: 'bap',
  best_ask_size: 'bas',
  best_bid_price: 'bbp',
  best_bid_size: 'bbs',
} as const;

const ORDERBOOK = {
  ...COMMON,
  total_ask_size: 'tas',
  total_bid_size: 'tbs',
  orderbook_units: {
    key: 'obu',
    items: { ask_price: 'ap', bid_price: 'bp', ask_size: 'as', bid_size: 'bs' },
  },
  level: 'lv',
} as const;

const CANDLE = {
  ...COMMON,
  candle_date_time_utc: 'cdttmu',
  candle_date_time_kst: 'cdttmk',
  opening_price: 'op',
  high_price: 'hp',
  low_price: 'lp',
  trade_price: 'tp',
  candle_acc_trade_volume: 'catv',
  candle_acc_trade_price: 'catp',
} as const;

const MY_ORDER = {
  ...COMMON,
  uuid: 'uid',
  ask_bid: 'ab',
  order_type: 'ot',
  state: 's',
  trade_uuid: 'tuid',
  price: 'p',
  avg_price: 'ap',
  volume: 'v',
  remaining_volume: 'rv',
  executed_volume: 'ev',
  trades_count: 'tc',
  reserved_fee: 'rsf',
  remaining_fee: 'rmf',
  paid_fee: 'pf',
  locked: 'l',
  executed_funds: 'ef',
  time_in_force: 'tif',
  trade_fee: 'tf',
  is_maker: 'im',
  identifier: 'id',
  smp_type: 'smpt',
  prevented_volume: 'pv',
  prevented_locked: 'pl',
  trade_timestamp: 'ttms',
  order_timestamp: 'otms',
} as const;

/** myAsset has no market code on the wire (see `toSimple`). */
const MY_ASSET = {
  ...COMMON,
  asset_uuid: 'astuid',
  assets: { key: 'ast', items: { currency: 'cu', balance: 'b', locked: 'l' } },
  asset_timestamp: 'asttms',
} as const;

const candleTables = Object.fromEntries(CANDLE_TYPES.map((type) => [type, CANDLE])) as {
  readonly [T in (typeof CANDLE_TYPES)[number]]: typeof CANDLE;
};

/** Per data type, DEFAULT key → SIMPLE key; nested tables for `orderbook_units` and `assets`. */
export const SIMPLE_KEYS = {
  ticker: TICKER,
  trade: TRADE,
  orderbook: ORDERBOOK,
  ...candleTables,
  myOrder: MY_ORDER,
  myAsset: MY_ASSET,
} as const satisfies { readonly [T in DataType]: KeyTable };

/** The LIST_SUBSCRIPTIONS reply (`mthd`, `rslt`, `tckt`; entries `ty`, `cds`, `lv`). */
export const LIST_SUBSCRIPTIONS_KEYS = {
  method: 'mthd',
  ticket: 'tckt',
  result: { key: 'rslt', items: { type: 'ty', codes: 'cds', level: 'lv' } },
} as const satisfies KeyTable;

// ─── Renaming ────────────────────────────────────────────────────────────────

/** A compiled table: source key → target key, plus the compiled table for nested entries. */
interface Renamer {
  readonly keys: ReadonlyMap<string, string>;
  readonly nested: ReadonlyMap<string, Renamer>;
}

type Direction = 'toSimple' | 'fromSimple';

function compile(table: KeyTable, direction: Direction): Renamer {
  const keys = new Map<string, string>();
  const nested = new Map<string, Renamer>();
  for (const [defaultKey, entry] of Object.entries(table)) {
    const simpleKey = typeof entry === 'string' ? entry : entry.key;
    const [from, to] = direction === 'toSimple' ? [defaultKey, simpleKey] : [simpleKey, defaultKey];
    keys.set(from, to);
    if (typeof entry !== 'string') nested.set(from, compile(entry.items, direction));
  }
  return { keys, nested };
}

function compileAll(direction: Direction): Readonly<Record<DataType, Renamer>> {
  return Object.fromEntries(
    Object.entries(SIMPLE_KEYS).map(([type, table]) => [type, compile(table, direction)]),
  ) as Record<DataType, Renamer>;
}

const TO_SIMPLE = compileAll('toSimple');
const FROM_SIMPLE = compileAll('fromSimple');
const COMMON_FROM_SIMPLE = compile(COMMON, 'fromSimple');
const LIST_TO_SIMPLE = compile(LIST_SUBSCRIPTIONS_KEYS, 'toSimple');
const LIST_FROM_SIMPLE = compile(LIST_SUBSCRIPTIONS_KEYS, 'fromSimple');

/**
 * Renames the keys of one object; entries of nested arrays are renamed too. `Object.fromEntries`
 * defines properties, so a `__proto__` key from the wire stays a plain key.
 */
function rename(source: object, renamer: Renamer): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(source).map(([key, value]: [string, unknown]) => {
      const inner = renamer.nested.get(key);
      const renamed =
        inner !== undefined && Array.isArray(value)
          ? value.map((entry: unknown) => (isRecord(entry) ? rename(entry, inner) : entry))
          : value;
      return [renamer.keys.get(key) ?? key, renamed];
    }),
  );
}

/**
 * A message with Upbit's SIMPLE names, as Upbit sends it with `format: "SIMPLE"`.
 * myAsset carries no market code on the wire, so its `code` (`''` after decoding) is left out.
 */
export function toSimple(message: UpbitMessage): Record<string, unknown> {
  const simple = rename(message, TO_SIMPLE[message.type]);
  if (message.type === 'myAsset' && message.code === '') delete simple[COMMON.code];
  return simple;
}

/**
 * The DEFAULT-named message for a SIMPLE one; the table is chosen by `ty`. It does not validate
 * (the decoder does): an unknown `ty` only gets the common keys renamed. myAsset gets `code: ''`,
 * exactly as the decoder gives it for a DEFAULT frame.
 */
export function fromSimple(simple: Readonly<Record<string, unknown>>): UpbitMessage {
  const type = simple[COMMON.type];
  const message = rename(simple, isDataType(type) ? FROM_SIMPLE[type] : COMMON_FROM_SIMPLE);
  if (type === 'myAsset' && message.code === undefined) message.code = '';
  return message as unknown as UpbitMessage;
}

/** A LIST_SUBSCRIPTIONS reply with SIMPLE names (`method` → `mthd`, `result[].codes` → `rslt[].cds`). */
export function listReplyToSimple(reply: {
  readonly method: 'LIST_SUBSCRIPTIONS';
  readonly result: readonly ListedSubscription[];
  readonly ticket: string;
}): Record<string, unknown> {
  return rename(reply, LIST_TO_SIMPLE);
}

/** A SIMPLE LIST_SUBSCRIPTIONS reply with DEFAULT names. Does not validate (the decoder does). */
export function listReplyFromSimple(simple: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return rename(simple, LIST_FROM_SIMPLE);
}
