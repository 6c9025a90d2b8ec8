/**
 * Sample frames after the examples on Upbit's reference pages, once with DEFAULT names and once
 * with SIMPLE names written out by hand from each page's abbreviation column (so the SIMPLE
 * samples check the key tables instead of being produced by them).
 *
 * - ticker:    https://docs.upbit.com/kr/v1.5.9/reference/websocket-ticker (KRW-BTC, 2023-02-21)
 * - trade:     https://docs.upbit.com/kr/reference/websocket-trade (KRW-BTC, 2024-10-31 01:07:42)
 * - orderbook: https://docs.upbit.com/reference/websocket-orderbook (first two units)
 * - candle:    https://docs.upbit.com/kr/reference/websocket-candle (candle.1s, 2025-01-02T04:28:05)
 * - myOrder:   https://docs.upbit.com/kr/reference/websocket-myorder
 * - myAsset:   https://global-docs.upbit.com/reference/websocket-myasset (asset e635f223-…)
 * - LIST_SUBSCRIPTIONS: https://docs.upbit.com/kr/reference/list-subscriptions
 */

export const tickerDefault = {
  type: 'ticker',
  code: 'KRW-BTC',
  opening_price: 31883000,
  high_price: 32310000,
  low_price: 31855000,
  trade_price: 32287000,
  prev_closing_price: 31883000,
  acc_trade_price: 78039261076.51241,
  change: 'RISE',
  change_price: 404000,
  signed_change_price: 404000,
  change_rate: 0.0126713295,
  signed_change_rate: 0.0126713295,
  ask_bid: 'ASK',
  trade_volume: 0.03103806,
  acc_trade_volume: 2429.58834336,
  trade_date: '20230221',
  trade_time: '074102',
  trade_timestamp: 1676965262139,
  acc_ask_volume: 1146.25573608,
  acc_bid_volume: 1283.33260728,
  highest_52_week_price: 57678000,
  highest_52_week_date: '2022-03-28',
  lowest_52_week_price: 20700000,
  lowest_52_week_date: '2022-12-30',
  market_state: 'ACTIVE',
  is_trading_suspended: false,
  delisting_date: null,
  market_warning: 'NONE',
  timestamp: 1676965262177,
  acc_trade_price_24h: 228827082483.70729,
  acc_trade_volume_24h: 7158.8028356,
  stream_type: 'REALTIME',
};

export const tickerSimple = {
  ty: 'ticker',
  cd: 'KRW-BTC',
  op: 31883000,
  hp: 32310000,
  lp: 31855000,
  tp: 32287000,
  pcp: 31883000,
  atp: 78039261076.51241,
  c: 'RISE',
  cp: 404000,
  scp: 404000,
  cr: 0.0126713295,
  scr: 0.0126713295,
  ab: 'ASK',
  tv: 0.03103806,
  atv: 2429.58834336,
  tdt: '20230221',
  ttm: '074102',
  ttms: 1676965262139,
  aav: 1146.25573608,
  abv: 1283.33260728,
  h52wp: 57678000,
  h52wdt: '2022-03-28',
  l52wp: 20700000,
  l52wdt: '2022-12-30',
  ms: 'ACTIVE',
  its: false,
  dd: null,
  mw: 'NONE',
  tms: 1676965262177,
  atp24h: 228827082483.70729,
  atv24h: 7158.8028356,
  st: 'REALTIME',
};

export const tradeDefault = {
  type: 'trade',
  code: 'KRW-BTC',
  timestamp: 1730336862082,
  trade_date: '2024-10-31',
  trade_time: '01:07:42',
  trade_timestamp: 1730336862047,
  trade_price: 101168000,
  trade_volume: 0.00793527,
  ask_bid: 'BID',
  prev_closing_price: 101464000,
  change: 'FALL',
  change_price: 296000,
  sequential_id: 17303368620470000,
  best_ask_price: 101168000,
  best_ask_size: 0.00039578,
  best_bid_price: 101132000,
  best_bid_size: 0.00521092,
  stream_type: 'REALTIME',
};

export const tradeSimple = {
  ty: 'trade',
  cd: 'KRW-BTC',
  tms: 1730336862082,
  td: '2024-10-31',
  ttm: '01:07:42',
  ttms: 1730336862047,
  tp: 101168000,
  tv: 0.00793527,
  ab: 'BID',
  pcp: 101464000,
  c: 'FALL',
  cp: 296000,
  sid: 17303368620470000,
  bap: 101168000,
  bas: 0.00039578,
  bbp: 101132000,
  bbs: 0.00521092,
  st: 'REALTIME',
};

export const orderbookDefault = {
  type: 'orderbook',
  code: 'KRW-BTC',
  timestamp: 1746601573804,
  total_ask_size: 4.79158413,
  total_bid_size: 2.65609625,
  orderbook_units: [
    { ask_price: 137002000, bid_price: 137001000, ask_size: 0.10623869, bid_size: 0.03656812 },
    { ask_price: 137023000, bid_price: 137000000, ask_size: 0.06144079, bid_size: 0.33036711 },
  ],
  stream_type: 'REALTIME',
  level: 0,
};

export const orderbookSimple = {
  ty: 'orderbook',
  cd: 'KRW-BTC',
  tms: 1746601573804,
  tas: 4.79158413,
  tbs: 2.65609625,
  obu: [
    { ap: 137002000, bp: 137001000, as: 0.10623869, bs: 0.03656812 },
    { ap: 137023000, bp: 137000000, as: 0.06144079, bs: 0.33036711 },
  ],
  st: 'REALTIME',
  lv: 0,
};

export const candleDefault = {
  type: 'candle.1s',
  code: 'KRW-BTC',
  candle_date_time_utc: '2025-01-02T04:28:05',
  candle_date_time_kst: '2025-01-02T13:28:05',
  opening_price: 142009000,
  high_price: 142009000,
  low_price: 142009000,
  trade_price: 142009000,
  candle_acc_trade_volume: 0.00606119,
  candle_acc_trade_price: 860743.53071,
  timestamp: 1735792085824,
  stream_type: 'REALTIME',
};

export const candleSimple = {
  ty: 'candle.1s',
  cd: 'KRW-BTC',
  cdttmu: '2025-01-02T04:28:05',
  cdttmk: '2025-01-02T13:28:05',
  op: 142009000,
  hp: 142009000,
  lp: 142009000,
  tp: 142009000,
  catv: 0.00606119,
  catp: 860743.53071,
  tms: 1735792085824,
  st: 'REALTIME',
};

export const myOrderDefault = {
  type: 'myOrder',
  code: 'KRW-BTC',
  uuid: 'ac2dc2a3-fce9-40a2-a4f6-5987c25c438f',
  ask_bid: 'BID',
  order_type: 'limit',
  state: 'trade',
  trade_uuid: '68315169-fba4-4175-ade3-aff14a616657',
  price: 101000000,
  avg_price: 101000000,
  volume: 0.0001,
  remaining_volume: 0,
  executed_volume: 0.0001,
  trades_count: 1,
  reserved_fee: 5.05,
  remaining_fee: 0,
  paid_fee: 5.05,
  locked: 0,
  executed_funds: 10100,
  time_in_force: null,
  trade_fee: 5.05,
  is_maker: true,
  identifier: null,
  smp_type: null,
  prevented_volume: 0,
  prevented_locked: 0,
  trade_timestamp: 1730336862047,
  order_timestamp: 1730336860000,
  timestamp: 1730336862082,
  stream_type: 'REALTIME',
};

export const myOrderSimple = {
  ty: 'myOrder',
  cd: 'KRW-BTC',
  uid: 'ac2dc2a3-fce9-40a2-a4f6-5987c25c438f',
  ab: 'BID',
  ot: 'limit',
  s: 'trade',
  tuid: '68315169-fba4-4175-ade3-aff14a616657',
  p: 101000000,
  ap: 101000000,
  v: 0.0001,
  rv: 0,
  ev: 0.0001,
  tc: 1,
  rsf: 5.05,
  rmf: 0,
  pf: 5.05,
  l: 0,
  ef: 10100,
  tif: null,
  tf: 5.05,
  im: true,
  id: null,
  smpt: null,
  pv: 0,
  pl: 0,
  ttms: 1730336862047,
  otms: 1730336860000,
  tms: 1730336862082,
  st: 'REALTIME',
};

/** myAsset carries no market code on the wire. */
export const myAssetDefault = {
  type: 'myAsset',
  asset_uuid: 'e635f223-1609-4969-8fb6-4376937baad6',
  assets: [{ currency: 'SGD', balance: 1386929.37231066, locked: 10329.670127489 }],
  asset_timestamp: 1710146517259,
  timestamp: 1710146517267,
  stream_type: 'REALTIME',
};

export const myAssetSimple = {
  ty: 'myAsset',
  astuid: 'e635f223-1609-4969-8fb6-4376937baad6',
  ast: [{ cu: 'SGD', b: 1386929.37231066, l: 10329.670127489 }],
  asttms: 1710146517259,
  tms: 1710146517267,
  st: 'REALTIME',
};

/** Every data type once: [name, DEFAULT frame, SIMPLE frame, the message subscribers get]. */
export const SAMPLES = [
  ['ticker', tickerDefault, tickerSimple, tickerDefault],
  // sequential_id arrives as the string of digits on the wire (17 digits, above 2^53).
  ['trade', tradeDefault, tradeSimple, { ...tradeDefault, sequential_id: '17303368620470000' }],
  ['orderbook', orderbookDefault, orderbookSimple, orderbookDefault],
  ['candle.1s', candleDefault, candleSimple, candleDefault],
  ['myOrder', myOrderDefault, myOrderSimple, myOrderDefault],
  ['myAsset', myAssetDefault, myAssetSimple, { ...myAssetDefault, code: '' }],
] as const;

export const listSubscriptionsDefault = {
  method: 'LIST_SUBSCRIPTIONS',
  result: [
    { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] },
    { type: 'orderbook', codes: ['KRW-BTC', 'KRW-ETH'], level: 0 },
  ],
  ticket: 'unique uuid',
};

export const listSubscriptionsSimple = {
  mthd: 'LIST_SUBSCRIPTIONS',
  rslt: [
    { ty: 'ticker', cds: ['KRW-BTC', 'KRW-ETH'] },
    { ty: 'orderbook', cds: ['KRW-BTC', 'KRW-ETH'], lv: 0 },
  ],
  tckt: 'unique uuid',
};
