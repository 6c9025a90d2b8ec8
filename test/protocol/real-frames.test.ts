/**
 * The decoder against frames from Upbit's live exchange and Upbit's own examples
 * (real-frames.json, each with its source): every one decodes with every field and value intact,
 * DEFAULT and SIMPLE give the same message, and integers above 2^53 keep all their digits.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/protocol/upbit/decode.js';
import { SIMPLE_KEYS, toSimple } from '../../src/protocol/upbit/keys.js';
import type { DecodedFrame, UpbitMessage } from '../../src/protocol/upbit/types.js';
import { toWireJson } from '../../src/protocol/upbit/wide-integers.js';
import { DATA_FRAMES, REAL_FRAMES, exactly, expectedMessages, typeOf } from './real-frames.js';

function messagesOf(frame: DecodedFrame): readonly UpbitMessage[] {
  if (frame.kind === 'message') return [frame.message];
  if (frame.kind === 'messages') return frame.messages;
  throw new Error(`expected data, got ${JSON.stringify(frame)}`);
}

/** The frame a message makes in the other naming, written as Upbit writes it (ids as bare numbers). */
function otherNaming(message: UpbitMessage, wasSimple: boolean): string {
  if (!wasSimple) return toWireJson(toSimple(message));
  const { code, ...rest } = message;
  return toWireJson(message.type === 'myAsset' && code === '' ? rest : message);
}

const label = (frame: (typeof REAL_FRAMES)[number]) => `${frame.label} (${frame.format}, ${frame.kind})`;

describe('real frames: the fixture file', () => {
  it('holds the frames its README describes, each with its source', () => {
    expect(REAL_FRAMES.length).toBeGreaterThanOrEqual(15);
    for (const frame of REAL_FRAMES) {
      expect(frame.source.length, frame.label).toBeGreaterThan(10);
      expect(['capture', 'doc']).toContain(frame.kind);
    }
    // Every public and private data type the fixtures cover.
    expect(new Set(DATA_FRAMES.flatMap((frame) => expectedMessages(frame).map((m) => m.type)))).toEqual(
      new Set(['orderbook', 'candle.1m', 'trade', 'ticker', 'myOrder', 'myAsset', 'candle.1s']),
    );
  });
});

describe('real frames: decoding', () => {
  it.each(DATA_FRAMES.map((frame) => [label(frame), frame] as const))('decodes %s with every field and value intact', (_label, frame) => {
    const decoded = decodeFrame(Buffer.from(frame.raw));
    expect(decoded.kind).toBe(frame.format.endsWith('LIST') ? 'messages' : 'message');
    expect(messagesOf(decoded)).toStrictEqual(expectedMessages(frame));
  });

  it.each(DATA_FRAMES.map((frame) => [label(frame), frame] as const))('decodes %s to the same message from the other naming', (_label, frame) => {
    const wasSimple = frame.format.startsWith('SIMPLE');
    for (const message of messagesOf(decodeFrame(frame.raw))) {
      const other = otherNaming(message, wasSimple);
      expect(decodeFrame(Buffer.from(other))).toStrictEqual({ kind: 'message', message });
    }
  });

  it.each(DATA_FRAMES.map((frame) => [label(frame), frame] as const))('knows every key of %s in its naming', (_label, frame) => {
    const value = exactly(frame.raw);
    for (const item of Array.isArray(value) ? value : [value]) {
      const type = typeOf(item)!;
      const table = SIMPLE_KEYS[type] as Readonly<Record<string, string | { key: string }>>;
      const known = frame.format.startsWith('SIMPLE')
        ? Object.values(table).map((entry) => (typeof entry === 'string' ? entry : entry.key))
        : Object.keys(table);
      expect(Object.keys(item as object).filter((key) => !known.includes(key)), `${type} keys missing from keys.ts`).toEqual([]);
    }
  });

  it('decodes the JSON_LIST example to the same message as its DEFAULT twin', () => {
    const list = REAL_FRAMES.find((frame) => frame.format === 'JSON_LIST')!;
    const single = REAL_FRAMES.find((frame) => frame.format === 'DEFAULT' && frame.raw === list.raw.slice(1, -1))!;
    expect(single).toBeDefined();
    expect(decodeFrame(list.raw)).toStrictEqual({ kind: 'messages', messages: messagesOf(decodeFrame(single.raw)) });
  });

  it('decodes the captured control frames', () => {
    const byLabel = (text: string) => REAL_FRAMES.find((frame) => frame.label.startsWith(text))!.raw;
    expect(decodeFrame(byLabel('status UP'))).toStrictEqual({ kind: 'status', status: 'UP' });
    expect(decodeFrame(byLabel('error NO_TICKET'))).toStrictEqual({
      kind: 'error',
      name: 'NO_TICKET',
      message: '티켓이 존재하지 않거나, 유효하지 않습니다.',
    });
    expect(decodeFrame(byLabel('LIST_SUBSCRIPTIONS reply'))).toStrictEqual({
      kind: 'subscriptions',
      ticket: 'unique uuid',
      result: [
        { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] },
        { type: 'orderbook', codes: ['KRW-BTC', 'KRW-ETH'], level: 0 },
      ],
    });
  });

  it('reports the 2018 wire format (no type, no code: nothing to route by) as invalid, with the reason', () => {
    const legacy = REAL_FRAMES.filter((frame) => frame.format === 'legacy');
    expect(legacy).toHaveLength(1);
    expect(decodeFrame(legacy[0]!.raw)).toMatchObject({ kind: 'invalid', reason: 'frame is not a known Upbit message' });
  });

  it('accounts for every frame of the file: data, control, or the legacy format', () => {
    const control = REAL_FRAMES.filter((frame) => frame.format === '-' || frame.label.startsWith('LIST_SUBSCRIPTIONS'));
    const legacy = REAL_FRAMES.filter((frame) => frame.format === 'legacy');
    expect(DATA_FRAMES.length + control.length + legacy.length).toBe(REAL_FRAMES.length);
  });
});

describe('exact trade ids', () => {
  /**
   * A trade frame as Upbit writes one today. Ids are the trade's millisecond timestamp and four
   * digits: `17853950437790001` is a trade at 1785395043779 ms (2026-07-30), 17 digits, above 2^53;
   * Upbit's REST ticks of that day carry ids of the same form (`17853972606600000`, quoted in
   * jabdori/maxt src/adapters/upbit/parse.rs as captured on 2026-07-30).
   */
  const trade = (id: string, extra = '') =>
    `{"type":"trade","code":"KRW-BTC","timestamp":1785395043801,"trade_date":"2026-07-30","trade_time":"07:04:03",` +
    `"trade_timestamp":1785395043779,"trade_price":91157000.0,"trade_volume":1.0E-4,"ask_bid":"BID",` +
    `"prev_closing_price":91424000.0,"change":"FALL","change_price":267000.0,${extra}"sequential_id":${id},` +
    `"best_ask_price":91157000.0,"best_ask_size":0.1,"best_bid_price":91142000.0,"best_bid_size":0.2,"stream_type":"REALTIME"}`;
  const simpleTrade = (id: string) => JSON.stringify(toSimple(JSON.parse(trade('0')) as UpbitMessage)).replace('"sid":0', `"sid":${id}`);
  const idsOf = (frame: DecodedFrame) => messagesOf(frame).map((message) => (message.type === 'trade' ? message.sequential_id : undefined));
  /** The ids of a frame decoded from its text, after checking the bytes `ws` delivers decode the same. */
  const ids = (frame: DecodedFrame | string) => {
    if (typeof frame !== 'string') return idsOf(frame);
    const decoded = decodeFrame(frame);
    expect(decodeFrame(Buffer.from(frame))).toStrictEqual(decoded);
    return idsOf(decoded);
  };

  it('JSON.parse alone loses the last digit (the premise of this suite)', () => {
    expect(String((JSON.parse(trade('17853950437790001')) as { sequential_id: number }).sequential_id)).toBe('17853950437790000');
  });

  it('delivers a 17-digit odd id with all its digits, DEFAULT and SIMPLE', () => {
    expect(ids(decodeFrame(Buffer.from(trade('17853950437790001'))))).toEqual(['17853950437790001']);
    expect(ids(decodeFrame(Buffer.from(simpleTrade('17853950437790001'))))).toEqual(['17853950437790001']);
  });

  it('keeps two trades of one millisecond apart in JSON_LIST and SIMPLE_LIST frames, among other types', () => {
    const ticker = REAL_FRAMES.find((frame) => frame.label.startsWith('ticker KRW-BTC REALTIME'))!.raw;
    const book = REAL_FRAMES.find((frame) => frame.format === 'DEFAULT' && frame.label.startsWith('orderbook'))!.raw;
    const list = `[${ticker},${trade('17853950437790001')},${book},${trade('17853950437790002')}]`;
    expect(ids(list)).toEqual([undefined, '17853950437790001', undefined, '17853950437790002']);
    const simpleList = `[${simpleTrade('17853950437790003')},${simpleTrade('17853950437790004')}]`;
    expect(ids(simpleList)).toEqual(['17853950437790003', '17853950437790004']);
  });

  it('delivers the same string for the captured 16-digit id of 2021 (every id is a string)', () => {
    const old = REAL_FRAMES.find((frame) => frame.label.startsWith('trade KRW-BTC REALTIME 2021'))!;
    expect(ids(decodeFrame(old.raw))).toEqual(['1621697844000001']);
  });

  it('is not misled by whitespace, or by the key written inside another value', () => {
    expect(ids(trade('17853950437790001').replace('"sequential_id":', '"sequential_id" : '))).toEqual(['17853950437790001']);
    const decoy = `"note":"\\"sequential_id\\":17853950437790009",`;
    expect(ids(trade('17853950437790001', decoy))).toEqual(['17853950437790001']);
  });

  it('keeps an id that arrives as a string of digits, and refuses one that is not an integer', () => {
    expect(ids(trade('"17853950437790001"'))).toEqual(['17853950437790001']);
    expect(decodeFrame(trade('1.7853950437790001E16'))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('plain digits') });
    expect(decodeFrame(trade('12.5'))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('not an integer') });
    expect(decodeFrame(trade('"12a"'))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('not digits') });
  });

  it('writes an id back as a bare number, as Upbit does', () => {
    const message = messagesOf(decodeFrame(trade('17853950437790001')))[0]!;
    expect(toWireJson(message)).toContain('"sequential_id":17853950437790001,');
    expect(toWireJson(toSimple(message))).toContain('"sid":17853950437790001,');
    expect(toWireJson({ note: 'sequential_id', sequential_id: 'x1' })).toBe('{"note":"sequential_id","sequential_id":"x1"}');
  });
});

describe('LIST_SUBSCRIPTIONS replies', () => {
  it('leaves out entries of types upstate does not know (announcement, indicator, indicator_signal)', () => {
    const reply =
      '{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"announcement","codes":[]},{"type":"ticker","codes":["KRW-BTC"]},' +
      '{"type":"indicator","codes":["KRW-BTC"]},{"type":"indicator_signal"}],"ticket":"t"}';
    expect(decodeFrame(reply)).toStrictEqual({ kind: 'subscriptions', ticket: 't', result: [{ type: 'ticker', codes: ['KRW-BTC'] }] });
    const simple = '{"mthd":"LIST_SUBSCRIPTIONS","rslt":[{"ty":"indicator","cds":["KRW-BTC"]},{"ty":"trade","cds":["KRW-ETH"]}],"tckt":"t"}';
    expect(decodeFrame(simple)).toStrictEqual({ kind: 'subscriptions', ticket: 't', result: [{ type: 'trade', codes: ['KRW-ETH'] }] });
  });

  it('reads a numeric (Long) ticket with all its digits', () => {
    expect(decodeFrame('{"method":"LIST_SUBSCRIPTIONS","result":[],"ticket":1234567890123456789}')).toMatchObject({ ticket: '1234567890123456789' });
    expect(decodeFrame('{"mthd":"LIST_SUBSCRIPTIONS","rslt":[],"tckt":9007199254740993}')).toMatchObject({ ticket: '9007199254740993' });
  });
});

describe('myOrder number-or-string fields', () => {
  const order = REAL_FRAMES.find((frame) => frame.label === 'myOrder KRW-BTC trade')!.raw;

  it('reads prevented_volume and prevented_locked as numbers whether they arrive as numbers or strings', () => {
    const asStrings = order.replace('"prevented_volume":1.174291929', '"prevented_volume":"1.174291929"').replace(
      '"prevented_locked":0.001706246173',
      '"prevented_locked":"0.001706246173"',
    );
    expect(asStrings).not.toBe(order);
    expect(decodeFrame(asStrings)).toStrictEqual(decodeFrame(order));
    expect(decodeFrame(order)).toMatchObject({ message: { prevented_volume: 1.174291929, prevented_locked: 0.001706246173 } });
  });

  it('refuses one that is no number', () => {
    const bad = order.replace('"prevented_volume":1.174291929', '"prevented_volume":"lots"');
    expect(decodeFrame(bad)).toMatchObject({ kind: 'invalid', reason: 'prevented_volume is "lots", not a number' });
  });
});
