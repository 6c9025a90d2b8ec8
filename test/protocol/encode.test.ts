import { describe, expect, it } from 'vitest';
import { encodeListSubscriptions, encodeRequest } from '../../src/protocol/upbit/encode.js';
import type { TypeField } from '../../src/protocol/upbit/types.js';

function frameOf(...fields: TypeField[]): unknown {
  return JSON.parse(encodeRequest({ ticket: 't-1', fields }));
}

describe('encodeRequest', () => {
  it('writes [ticket, type fields…, format] in that order', () => {
    expect(
      encodeRequest({ ticket: 't-1', fields: [{ type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] }], format: 'SIMPLE' }),
    ).toBe('[{"ticket":"t-1"},{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},{"format":"SIMPLE"}]');
  });

  it('writes format DEFAULT when none is given', () => {
    expect(frameOf({ type: 'trade', codes: ['KRW-BTC'] })).toEqual([
      { ticket: 't-1' },
      { type: 'trade', codes: ['KRW-BTC'] },
      { format: 'DEFAULT' },
    ]);
  });

  it.each(['JSON_LIST', 'SIMPLE_LIST'] as const)('writes format %s', (format) => {
    expect(JSON.parse(encodeRequest({ ticket: 't', fields: [{ type: 'ticker', codes: ['KRW-BTC'] }], format })).at(-1)).toEqual({
      format,
    });
  });

  it('writes isOnlySnapshot and isOnlyRealtime only when true', () => {
    expect(frameOf({ type: 'ticker', codes: ['KRW-BTC'], isOnlySnapshot: true, isOnlyRealtime: false })).toContainEqual({
      type: 'ticker',
      codes: ['KRW-BTC'],
      isOnlySnapshot: true,
    });
    expect(frameOf({ type: 'ticker', codes: ['KRW-BTC'], isOnlyRealtime: true, isOnlySnapshot: false })).toContainEqual({
      type: 'ticker',
      codes: ['KRW-BTC'],
      isOnlyRealtime: true,
    });
  });

  it('writes level for orderbook, keeping depth suffixes in the codes', () => {
    expect(frameOf({ type: 'orderbook', codes: ['KRW-BTC.15', 'KRW-ETH'], level: 10000 })).toContainEqual({
      type: 'orderbook',
      codes: ['KRW-BTC.15', 'KRW-ETH'],
      level: 10000,
    });
  });

  it('writes level 0 (a falsy level is still a level)', () => {
    expect(frameOf({ type: 'orderbook', codes: ['KRW-BTC'], level: 0 })).toContainEqual({
      type: 'orderbook',
      codes: ['KRW-BTC'],
      level: 0,
    });
  });

  it('leaves level off types other than orderbook', () => {
    expect(frameOf({ type: 'ticker', codes: ['KRW-BTC'], level: 100 })).toContainEqual({ type: 'ticker', codes: ['KRW-BTC'] });
  });

  it('never writes codes for myAsset (Upbit answers WRONG_FORMAT)', () => {
    expect(frameOf({ type: 'myAsset', codes: ['KRW-BTC'] })).toContainEqual({ type: 'myAsset' });
  });

  it('writes myOrder with or without codes', () => {
    expect(frameOf({ type: 'myOrder' })).toContainEqual({ type: 'myOrder' });
    expect(frameOf({ type: 'myOrder', codes: ['KRW-BTC'] })).toContainEqual({ type: 'myOrder', codes: ['KRW-BTC'] });
  });

  it('writes several fields of the same type, in order', () => {
    expect(
      frameOf(
        { type: 'ticker', codes: ['KRW-XRP'], isOnlySnapshot: true },
        { type: 'ticker', codes: ['KRW-BTC'], isOnlyRealtime: true },
        { type: 'candle.1m', codes: ['KRW-BTC'] },
      ),
    ).toEqual([
      { ticket: 't-1' },
      { type: 'ticker', codes: ['KRW-XRP'], isOnlySnapshot: true },
      { type: 'ticker', codes: ['KRW-BTC'], isOnlyRealtime: true },
      { type: 'candle.1m', codes: ['KRW-BTC'] },
      { format: 'DEFAULT' },
    ]);
  });
});

describe('encodeListSubscriptions', () => {
  it('writes [ticket, method] without a format by default, so the streams keep theirs', () => {
    expect(encodeListSubscriptions('t-2')).toBe('[{"ticket":"t-2"},{"method":"LIST_SUBSCRIPTIONS"}]');
  });

  it('writes the format when one is given', () => {
    expect(encodeListSubscriptions('t-2', 'SIMPLE')).toBe(
      '[{"ticket":"t-2"},{"method":"LIST_SUBSCRIPTIONS"},{"format":"SIMPLE"}]',
    );
  });
});
