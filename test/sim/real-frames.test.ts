/**
 * The embedded exchange against Upbit as captured (test/protocol/real-frames.json): each type's
 * frame, as the exchange puts it on the wire, has the field names and value types of the newest
 * frame of that type in the fixtures, in DEFAULT and in SIMPLE; a field the capture lacks is
 * allowed only with the reason it is missing (the capture's age or venue) written beside it.
 */
import { describe, expect, it } from 'vitest';
import type { DataType, PublicType, UpbitMessage } from '../../src/protocol/upbit/types.js';
import { MarketData } from '../../src/sim/market-data.js';
import { encodeMessages } from '../../src/sim/frames.js';
import { myAssetWire, myOrderEvent } from '../../src/sim/private-events.js';
import { REAL_FRAMES, type RealFrame, typeOf } from '../protocol/real-frames.js';

const NOW = Date.UTC(2026, 6, 30, 7, 45, 31);

/**
 * Fields the exchange sends that the newest frame of that type in the fixtures lacks, and why.
 * Everything else must match name for name.
 */
const MISSING_FROM_NEWEST: Partial<Record<DataType, Readonly<Record<string, string>>>> = {
  trade: Object.fromEntries(
    ['best_ask_price', 'best_ask_size', 'best_bid_price', 'best_bid_size'].flatMap((field) => [
      [field, 'added by Upbit since the newest trade capture (2021); on its trade page, and seen live in 2026 (nemanull/arbitrage-observatory, websocket.md §2)'],
    ]),
  ),
  myOrder: Object.fromEntries(
    ['trade_fee', 'is_maker', 'identifier', 'smp_type', 'prevented_volume', 'prevented_locked'].map((field) => [
      field,
      'in Upbit myOrder example (2024-03, KRW market); the newer capture is of Upbit Singapore (ccxt PR 22724)',
    ]),
  ),
};

/** `typeof`, with null and arrays told apart. */
function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Field → value kind, nested arrays of objects flattened as `field[].item` (first entry). */
function shapeOf(frame: Record<string, unknown>, prefix = ''): Record<string, string> {
  const shape: Record<string, string> = {};
  for (const [key, value] of Object.entries(frame)) {
    shape[`${prefix}${key}`] = kindOf(value);
    const [first] = Array.isArray(value) ? value : [];
    if (typeof first === 'object' && first !== null) Object.assign(shape, shapeOf(first as Record<string, unknown>, `${prefix}${key}[].`));
  }
  return shape;
}

/** Every data frame of one naming in the fixtures, newest (by `timestamp`/`tms`) first. */
function newestByType(naming: 'DEFAULT' | 'SIMPLE'): Map<DataType, { frame: RealFrame; wire: Record<string, unknown> }> {
  const newest = new Map<DataType, { frame: RealFrame; wire: Record<string, unknown>; at: number }>();
  for (const frame of REAL_FRAMES.filter(({ format }) => format === naming)) {
    // Plain JSON.parse: the value types as they are on the wire (a trade id is a number there).
    const wire = JSON.parse(frame.raw) as Record<string, unknown>;
    const type = typeOf(wire);
    if (type === undefined) continue;
    const at = Number(wire.timestamp ?? wire.tms ?? 0);
    if ((newest.get(type)?.at ?? -1) < at) newest.set(type, { frame, wire, at });
  }
  return newest;
}

/** The frame the exchange sends for `type`, as parsed off the wire. */
function exchangeFrame(type: DataType, naming: 'DEFAULT' | 'SIMPLE'): Record<string, unknown> {
  let message: UpbitMessage | undefined;
  if (type === 'myOrder') message = myOrderEvent(1, NOW, 1.5, { code: 'SGD-XRP', state: 'cancel' });
  else if (type === 'myAsset') message = myAssetWire(1, NOW) as UpbitMessage;
  else message = new MarketData(['KRW-BTC'], 1, NOW).snapshot({ type: type as PublicType, code: 'KRW-BTC', depth: 30, level: 0 });
  if (message === undefined) throw new Error(`no ${type} message`);
  const [bytes] = encodeMessages([message], naming);
  return JSON.parse(bytes!.toString('utf8')) as Record<string, unknown>;
}

/** The SIMPLE names of the allowed missing fields, for the SIMPLE comparison. */
const SIMPLE_NAMES: Readonly<Record<string, string>> = {
  best_ask_price: 'bap',
  best_ask_size: 'bas',
  best_bid_price: 'bbp',
  best_bid_size: 'bbs',
};

for (const naming of ['DEFAULT', 'SIMPLE'] as const) {
  const newest = [...newestByType(naming)];

  describe(`the exchange's ${naming} frames against the newest capture of each type`, () => {
    it('has a capture to compare with for every type it can', () => {
      expect(newest.map(([type]) => type).sort()).toEqual(
        naming === 'DEFAULT' ? ['candle.1m', 'candle.1s', 'myAsset', 'myOrder', 'orderbook', 'ticker', 'trade'] : ['orderbook'],
      );
    });

    it.each(newest.map(([type, entry]) => [type, entry.frame.label, entry] as const))(
      '%s: same field names and value types as "%s"',
      (type, _label, { wire }) => {
        const ours = shapeOf(exchangeFrame(type, naming));
        const theirs = shapeOf(wire);
        const allowed = Object.keys(MISSING_FROM_NEWEST[type] ?? {}).map((field) => (naming === 'SIMPLE' ? (SIMPLE_NAMES[field] ?? field) : field));
        // Same kind for every field both have; nothing the capture has is missing here.
        for (const [field, kind] of Object.entries(theirs)) expect(ours[field], `${type} ${field}`).toBe(kind);
        // Nothing here the capture lacks, except what is explained above.
        expect(Object.keys(ours).filter((field) => !(field in theirs) && !allowed.includes(field)), `${type}: fields Upbit does not send`).toEqual([]);
      },
    );
  });
}

describe('the exchange ticker', () => {
  it('sends neither trade_status nor market_state_for_ios (current frames lack both), but the fields that replaced them', () => {
    const ticker = exchangeFrame('ticker', 'DEFAULT');
    expect(ticker).not.toHaveProperty('trade_status');
    expect(ticker).not.toHaveProperty('market_state_for_ios');
    expect(ticker).toMatchObject({ is_trading_suspended: false, delisting_date: null });
  });
});

describe('the exchange trade ids', () => {
  it('are 17 digits, the millisecond timestamp then four digits, unique, odd and even', () => {
    const data = new MarketData(['KRW-BTC'], 1, NOW);
    const ids: string[] = [];
    for (let i = 1; ids.length < 40 && i < 2_000; i++) {
      if (data.step(NOW + i * 100).some((change) => change.step.traded)) {
        const trade = data.realtime({ type: 'trade', code: 'KRW-BTC', depth: 30, level: 0 });
        if (trade?.type === 'trade') {
          expect(trade.sequential_id.startsWith(String(trade.trade_timestamp))).toBe(true);
          ids.push(trade.sequential_id);
        }
      }
    }
    expect(ids).toHaveLength(40);
    for (const id of ids) expect(id).toMatch(/^\d{17}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.some((id) => Number(id.at(-1)) % 2 === 1)).toBe(true);
    expect(ids.some((id) => Number(id.at(-1)) % 2 === 0)).toBe(true);
  });

  it('go on the wire as bare numbers, in every format', () => {
    const trade = new MarketData(['KRW-BTC'], 1, NOW).snapshot({ type: 'trade', code: 'KRW-BTC', depth: 30, level: 0 })!;
    const id = (trade as { sequential_id: string }).sequential_id;
    for (const format of ['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST'] as const) {
      const [bytes] = encodeMessages([trade], format);
      expect(bytes!.toString('utf8')).toMatch(new RegExp(`"(sequential_id|sid)":${id}[,}]`));
    }
  });
});
