import { describe, expect, it } from 'vitest';
import {
  LIST_SUBSCRIPTIONS_KEYS,
  SIMPLE_KEYS,
  fromSimple,
  listReplyFromSimple,
  listReplyToSimple,
  toSimple,
} from '../../src/protocol/upbit/keys.js';
import type { KeyTable } from '../../src/protocol/upbit/keys.js';
import { DATA_TYPES } from '../../src/protocol/upbit/types.js';
import type { UpbitMessage } from '../../src/protocol/upbit/types.js';
import { SAMPLES, listSubscriptionsDefault, listSubscriptionsSimple } from './fixtures.js';

/** Every (scope, SIMPLE key) of a table, nested tables included. */
function simpleKeysOf(table: KeyTable, scope = ''): string[] {
  return Object.values(table).flatMap((entry) =>
    typeof entry === 'string' ? [`${scope}${entry}`] : [`${scope}${entry.key}`, ...simpleKeysOf(entry.items, `${entry.key}.`)],
  );
}

describe('SIMPLE_KEYS', () => {
  it('has a table for every data type', () => {
    expect(Object.keys(SIMPLE_KEYS).sort()).toEqual([...DATA_TYPES].sort());
  });

  it.each(Object.entries(SIMPLE_KEYS))('maps %s to distinct SIMPLE keys, so it can be reversed', (_type, table) => {
    const keys = simpleKeysOf(table);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('holds the abbreviations of the reference pages, including the ones that differ by type', () => {
    expect(SIMPLE_KEYS.ticker.trade_date).toBe('tdt');
    expect(SIMPLE_KEYS.trade.trade_date).toBe('td');
    expect(SIMPLE_KEYS.ticker.acc_trade_price_24h).toBe('atp24h');
    expect(SIMPLE_KEYS.orderbook.orderbook_units).toEqual({
      key: 'obu',
      items: { ask_price: 'ap', bid_price: 'bp', ask_size: 'as', bid_size: 'bs' },
    });
    expect(SIMPLE_KEYS.orderbook.level).toBe('lv');
    expect(SIMPLE_KEYS.myOrder.avg_price).toBe('ap');
    expect(SIMPLE_KEYS.myAsset.assets).toEqual({ key: 'ast', items: { currency: 'cu', balance: 'b', locked: 'l' } });
    expect(SIMPLE_KEYS['candle.240m'].candle_date_time_kst).toBe('cdttmk');
    expect(LIST_SUBSCRIPTIONS_KEYS.result.items).toEqual({ type: 'ty', codes: 'cds', level: 'lv' });
  });

  it.each(DATA_TYPES)('gives %s the common keys type/ty, code/cd, timestamp/tms, stream_type/st', (type) => {
    expect(SIMPLE_KEYS[type]).toMatchObject({ type: 'ty', code: 'cd', timestamp: 'tms', stream_type: 'st' });
  });
});

describe('toSimple / fromSimple', () => {
  it.each(SAMPLES)('renames a %s message to the documented SIMPLE frame and back', (_type, _wire, simple, message) => {
    const asMessage = message as unknown as UpbitMessage;
    // Renaming touches keys only: a trade's id stays the string of digits the decoder made of it.
    const renamed = 'sid' in simple ? { ...simple, sid: (message as { sequential_id: string }).sequential_id } : simple;
    expect(toSimple(asMessage)).toEqual(renamed);
    expect(fromSimple(renamed)).toEqual(message);
    expect(fromSimple(toSimple(asMessage))).toEqual(message);
  });

  it('leaves the empty market code of myAsset off the SIMPLE frame, as Upbit sends it', () => {
    const [, , , message] = SAMPLES[5];
    expect(toSimple(message as unknown as UpbitMessage)).not.toHaveProperty('cd');
  });

  it('passes keys it does not know through unchanged, so fields Upbit adds still arrive', () => {
    expect(fromSimple({ ty: 'ticker', cd: 'KRW-BTC', tp: 1, new_field: 'x' })).toEqual({
      type: 'ticker',
      code: 'KRW-BTC',
      trade_price: 1,
      new_field: 'x',
    });
  });

  it('renames only the common keys when ty is not a known type', () => {
    expect(fromSimple({ ty: 'announcement', cd: 'X', tp: 1 })).toEqual({ type: 'announcement', code: 'X', tp: 1 });
  });

  it('keeps a __proto__ key from the wire as a plain key, without touching the prototype', () => {
    const simple = JSON.parse('{"ty":"ticker","cd":"KRW-BTC","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const message = fromSimple(simple) as unknown as Record<string, unknown>;
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype);
    expect(Object.hasOwn(message, '__proto__')).toBe(true);
    expect(message.polluted).toBeUndefined();
  });

  it('renames the LIST_SUBSCRIPTIONS reply both ways, entries included', () => {
    expect(listReplyToSimple(listSubscriptionsDefault as Parameters<typeof listReplyToSimple>[0])).toEqual(
      listSubscriptionsSimple,
    );
    expect(listReplyFromSimple(listSubscriptionsSimple)).toEqual(listSubscriptionsDefault);
  });

  it('keeps a myAsset code that is not empty, so nothing is lost on the way back', () => {
    const [, , , message] = SAMPLES[5];
    const withCode = { ...message, code: 'KRW' } as unknown as UpbitMessage;
    expect(fromSimple(toSimple(withCode))).toEqual(withCode);
  });
});
