import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { MAX_CODES_PER_SPEC, normalizeSpec, normalizeSpecs } from '../../src/registry/spec.js';

/** Runs `fn`, expecting a SpecError; returns it. */
function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return error as SpecError;
  }
  throw new Error('expected a SpecError');
}

describe('normalizeSpec', () => {
  it('fills in the defaults', () => {
    expect(normalizeSpec({ type: 'ticker', codes: ['KRW-BTC'] })).toEqual({
      kind: 'public',
      type: 'ticker',
      codes: ['KRW-BTC'],
      snapshot: 'include',
      level: 0,
      depth: 30,
    });
  });

  it('returns a frozen spec', () => {
    const spec = normalizeSpec({ type: 'trade', codes: ['KRW-BTC'] });
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.codes)).toBe(true);
  });

  it('deduplicates codes, keeping their first order', () => {
    expect(normalizeSpec({ type: 'ticker', codes: ['KRW-ETH', 'KRW-BTC', 'KRW-ETH'] }).codes).toEqual([
      'KRW-ETH',
      'KRW-BTC',
    ]);
  });

  it('strips an orderbook depth suffix into depth', () => {
    const spec = normalizeSpec({ type: 'orderbook', codes: ['KRW-BTC.15', 'KRW-ETH.15'], level: 10000 });
    expect(spec).toMatchObject({ codes: ['KRW-BTC', 'KRW-ETH'], depth: 15, level: 10000 });
  });

  it('accepts a suffix equal to depth', () => {
    expect(normalizeSpec({ type: 'orderbook', codes: ['KRW-BTC.5'], depth: 5 }).depth).toBe(5);
  });

  it('sends myOrder and myAsset to the private connection', () => {
    expect(normalizeSpec({ type: 'myOrder' })).toMatchObject({ kind: 'private', codes: [] });
    expect(normalizeSpec({ type: 'myOrder', codes: [] }).codes).toEqual([]);
    expect(normalizeSpec({ type: 'myOrder', codes: ['KRW-BTC'] }).codes).toEqual(['KRW-BTC']);
    expect(normalizeSpec({ type: 'myAsset' })).toMatchObject({ kind: 'private', codes: [] });
    expect(normalizeSpec({ type: 'myAsset', codes: [] }).codes).toEqual([]);
  });

  it('accepts every candle unit and regional markets', () => {
    expect(normalizeSpec({ type: 'candle.240m', codes: ['SGD-BTC', 'KRW-1INCH'] }).codes).toEqual([
      'SGD-BTC',
      'KRW-1INCH',
    ]);
  });

  describe('rejects, naming the field and the value', () => {
    const cases: [string, unknown, string, unknown][] = [
      ['a non-object', 'ticker', 'spec', 'ticker'],
      ['an unknown field', { type: 'ticker', codes: ['KRW-BTC'], snapshots: 'only' }, 'snapshots', 'only'],
      ['an unknown type', { type: 'candle.2m', codes: ['KRW-BTC'] }, 'type', 'candle.2m'],
      ['a missing type', { codes: ['KRW-BTC'] }, 'type', undefined],
      ['missing codes on a public type', { type: 'ticker' }, 'codes', undefined],
      ['empty codes on a public type', { type: 'trade', codes: [] }, 'codes', []],
      ['codes that are not an array', { type: 'ticker', codes: 'KRW-BTC' }, 'codes', 'KRW-BTC'],
      ['a lower-case code', { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH', 'krw-xrp'] }, 'codes[2]', 'krw-xrp'],
      ['a malformed code', { type: 'ticker', codes: ['KRWBTC'] }, 'codes[0]', 'KRWBTC'],
      ['a code with spaces', { type: 'ticker', codes: [' KRW-BTC'] }, 'codes[0]', ' KRW-BTC'],
      ['a code that is not a string', { type: 'ticker', codes: [42] }, 'codes[0]', 42],
      ['a depth suffix outside orderbook', { type: 'ticker', codes: ['KRW-BTC.5'] }, 'codes[0]', 'KRW-BTC.5'],
      ['an unsupported depth suffix', { type: 'orderbook', codes: ['KRW-BTC.10'] }, 'codes[0]', 'KRW-BTC.10'],
      ['a suffix conflicting with depth', { type: 'orderbook', codes: ['KRW-BTC.5'], depth: 15 }, 'codes[0]', 'KRW-BTC.5'],
      ['codes of different depths', { type: 'orderbook', codes: ['KRW-BTC.5', 'KRW-ETH'] }, 'codes[1]', 'KRW-ETH'],
      ['codes on myAsset', { type: 'myAsset', codes: ['KRW-BTC'] }, 'codes', ['KRW-BTC']],
      ['a bad snapshot mode', { type: 'ticker', codes: ['KRW-BTC'], snapshot: 'first' }, 'snapshot', 'first'],
      ['snapshot-only on a private type', { type: 'myOrder', snapshot: 'only' }, 'snapshot', 'only'],
      ['level outside orderbook', { type: 'ticker', codes: ['KRW-BTC'], level: 0 }, 'level', 0],
      ['a negative level', { type: 'orderbook', codes: ['KRW-BTC'], level: -1 }, 'level', -1],
      ['a non-finite level', { type: 'orderbook', codes: ['KRW-BTC'], level: Number.NaN }, 'level', Number.NaN],
      ['a string level', { type: 'orderbook', codes: ['KRW-BTC'], level: '10000' }, 'level', '10000'],
      ['a level on a non-KRW market', { type: 'orderbook', codes: ['KRW-BTC', 'BTC-ETH'], level: 10 }, 'codes[1]', 'BTC-ETH'],
      ['depth outside orderbook', { type: 'trade', codes: ['KRW-BTC'], depth: 5 }, 'depth', 5],
      ['an unsupported depth', { type: 'orderbook', codes: ['KRW-BTC'], depth: 10 }, 'depth', 10],
    ];
    it.each(cases)('%s', (_, spec, field, value) => {
      const error = specError(() => normalizeSpec(spec));
      expect(error.code).toBe('ERR_SPEC');
      expect(error.field).toBe(field);
      expect(error.value).toEqual(value);
      expect(error.message).toContain(`\`${field}\``);
    });

    it(`more than ${MAX_CODES_PER_SPEC} codes`, () => {
      const codes = Array.from({ length: MAX_CODES_PER_SPEC + 1 }, (_, i) => `KRW-C${i}`);
      const error = specError(() => normalizeSpec({ type: 'ticker', codes }));
      expect(error.field).toBe('codes');
      expect(error.message).toContain(String(MAX_CODES_PER_SPEC));
    });

    it(`but accepts exactly ${MAX_CODES_PER_SPEC} codes`, () => {
      const codes = Array.from({ length: MAX_CODES_PER_SPEC }, (_, i) => `KRW-C${i}`);
      expect(normalizeSpec({ type: 'ticker', codes }).codes).toHaveLength(MAX_CODES_PER_SPEC);
    });

    it('says why a lower-case code is wrong', () => {
      expect(specError(() => normalizeSpec({ type: 'ticker', codes: ['krw-btc'] })).message).toContain('upper case');
    });
  });
});

describe('normalizeSpecs', () => {
  it('leaves its input untouched, accepted or rejected', () => {
    const good = { type: 'orderbook', codes: ['KRW-BTC.5', 'KRW-BTC.5'] };
    const bad = { type: 'ticker', codes: ['krw-eth'] };
    const input = [good, bad];
    const copy = structuredClone(input);
    specError(() => normalizeSpecs(input));
    expect(input).toEqual(copy);
    normalizeSpecs([good]);
    expect(good).toEqual(copy[0]);
  });


  it('normalizes every spec', () => {
    expect(normalizeSpecs([{ type: 'ticker', codes: ['KRW-BTC'] }, { type: 'myAsset' }]).map((s) => s.kind)).toEqual([
      'public',
      'private',
    ]);
  });

  it('prefixes the field with the index of the bad spec', () => {
    const error = specError(() =>
      normalizeSpecs([{ type: 'ticker', codes: ['KRW-BTC'] }, { type: 'ticker', codes: ['KRW-BTC', 'btc'] }]),
    );
    expect(error.field).toBe('specs[1].codes[1]');
    expect(error.value).toBe('btc');
  });

  it('rejects a list that is not an array', () => {
    expect(specError(() => normalizeSpecs({ type: 'ticker' })).field).toBe('specs');
  });

  it('rejects a list entry that is not an object', () => {
    expect(specError(() => normalizeSpecs([null])).field).toBe('specs[0]');
  });
});
