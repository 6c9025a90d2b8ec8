import { describe, expect, it } from 'vitest';
import { encodeListSubscriptions, encodeRequest } from '../../src/protocol/upbit/encode.js';
import { MAX_REQUEST_BYTES, MAX_REQUEST_CODES, parseRequest } from '../../src/protocol/upbit/request.js';
import type { SubscribeRequest } from '../../src/protocol/upbit/types.js';

const TICKET = { ticket: 't-1' };

/** The text of a request made of these elements. */
function request(...elements: unknown[]): string {
  return JSON.stringify(elements);
}

/** The only type field of a request that parsed. */
function onlyField(...typeFields: unknown[]) {
  const parsed = parseRequest(request(TICKET, ...typeFields));
  if (!parsed.ok || parsed.kind !== 'subscribe') throw new Error(`expected a subscription, got ${JSON.stringify(parsed)}`);
  const [field, ...others] = parsed.fields;
  if (field === undefined || others.length > 0) throw new Error(`expected one type field, got ${parsed.fields.length}`);
  return field;
}

describe('parseRequest: accepted requests', () => {
  it('reads the documented ticker request (https://docs.upbit.com/kr/reference/websocket-ticker)', () => {
    const text =
      '[{"ticket":"0e66c0ac-7e13-43ef-91fb-2a87c2956c49"},{"type":"ticker","codes":["KRW-BTC","KRW-ETH"]},{"format":"DEFAULT"}]';
    expect(parseRequest(text)).toEqual({
      ok: true,
      kind: 'subscribe',
      ticket: '0e66c0ac-7e13-43ef-91fb-2a87c2956c49',
      format: 'DEFAULT',
      fields: [
        { type: 'ticker', codes: [{ code: 'KRW-BTC' }, { code: 'KRW-ETH' }], snapshot: true, realtime: true },
      ],
    });
  });

  it('defaults the format to DEFAULT', () => {
    expect(parseRequest(request(TICKET, { type: 'trade', codes: ['KRW-BTC'] }))).toMatchObject({ format: 'DEFAULT' });
  });

  it.each(['SIMPLE', 'JSON_LIST', 'SIMPLE_LIST'])('reads format %s', (format) => {
    expect(parseRequest(request(TICKET, { type: 'trade', codes: ['KRW-BTC'] }, { format }))).toMatchObject({ format });
  });

  it('reads the elements in any order', () => {
    expect(parseRequest(request({ format: 'SIMPLE' }, { type: 'trade', codes: ['KRW-BTC'] }, TICKET))).toMatchObject({
      ok: true,
      ticket: 't-1',
      format: 'SIMPLE',
    });
  });

  it.each([
    ['isOnlySnapshot', { snapshot: true, realtime: false }],
    ['is_only_snapshot', { snapshot: true, realtime: false }],
    ['isOnlyRealtime', { snapshot: false, realtime: true }],
    ['is_only_realtime', { snapshot: false, realtime: true }],
  ])('reads the flag %s', (flag, expected) => {
    expect(onlyField({ type: 'ticker', codes: ['KRW-BTC'], [flag]: true })).toMatchObject(expected);
  });

  it('treats false and null flags as absent', () => {
    expect(onlyField({ type: 'ticker', codes: ['KRW-BTC'], isOnlySnapshot: false, is_only_realtime: null })).toMatchObject({
      snapshot: true,
      realtime: true,
    });
  });

  it('turns a flag on when either spelling is true', () => {
    expect(onlyField({ type: 'ticker', codes: ['KRW-BTC'], isOnlyRealtime: false, is_only_realtime: true })).toMatchObject({
      snapshot: false,
      realtime: true,
    });
  });

  it('reads orderbook depth suffixes; no suffix and unsupported ones are 30 (Upbit: "unsupported → 30")', () => {
    expect(onlyField({ type: 'orderbook', codes: ['KRW-BTC.1', 'KRW-ETH.5', 'KRW-XRP.15', 'KRW-SOL', 'KRW-ADA.7', 'KRW-DOT.0'] }).codes).toEqual([
      { code: 'KRW-BTC', depth: 1 },
      { code: 'KRW-ETH', depth: 5 },
      { code: 'KRW-XRP', depth: 15 },
      { code: 'KRW-SOL', depth: 30 },
      { code: 'KRW-ADA', depth: 30 },
      { code: 'KRW-DOT', depth: 30 },
    ]);
  });

  it('drops duplicate codes; KRW-BTC and KRW-BTC.30 are the same book', () => {
    expect(onlyField({ type: 'orderbook', codes: ['KRW-BTC', 'KRW-BTC.30', 'KRW-BTC.5', 'KRW-BTC'] }).codes).toEqual([
      { code: 'KRW-BTC', depth: 30 },
      { code: 'KRW-BTC', depth: 5 },
    ]);
    expect(onlyField({ type: 'ticker', codes: ['KRW-BTC', 'KRW-BTC'] }).codes).toEqual([{ code: 'KRW-BTC' }]);
  });

  it('reads market codes with digits (KRW-1INCH) and other quote currencies', () => {
    expect(onlyField({ type: 'trade', codes: ['KRW-1INCH', 'BTC-ETH', 'SGD-BTC'] }).codes).toEqual([
      { code: 'KRW-1INCH' },
      { code: 'BTC-ETH' },
      { code: 'SGD-BTC' },
    ]);
  });

  it('reads the orderbook level as a number or as a decimal string (the page asks for both)', () => {
    expect(onlyField({ type: 'orderbook', codes: ['KRW-BTC'], level: 10000 }).level).toBe(10000);
    expect(onlyField({ type: 'orderbook', codes: ['KRW-BTC'], level: '100000' }).level).toBe(100000);
    expect(onlyField({ type: 'orderbook', codes: ['KRW-BTC'], level: 0 }).level).toBe(0);
    expect(onlyField({ type: 'orderbook', codes: ['KRW-BTC'], level: 0.1 }).level).toBe(0.1);
    expect(onlyField({ type: 'orderbook', codes: ['KRW-BTC'] })).not.toHaveProperty('level');
    expect(onlyField({ type: 'orderbook', codes: ['KRW-BTC'], level: null })).not.toHaveProperty('level');
  });

  it('ignores level on other types, and unknown keys anywhere', () => {
    expect(onlyField({ type: 'ticker', codes: ['KRW-BTC'], level: 'nonsense', extra: 1 })).toEqual({
      type: 'ticker',
      codes: [{ code: 'KRW-BTC' }],
      snapshot: true,
      realtime: true,
    });
  });

  it('reads myOrder without codes, or with empty codes, as every market', () => {
    expect(onlyField({ type: 'myOrder' }).codes).toBeUndefined();
    expect(onlyField({ type: 'myOrder', codes: [] }).codes).toBeUndefined();
    expect(onlyField({ type: 'myOrder', codes: ['KRW-BTC'] }).codes).toEqual([{ code: 'KRW-BTC' }]);
  });

  it('reads myAsset without codes; null codes count as absent', () => {
    expect(onlyField({ type: 'myAsset' })).toEqual({ type: 'myAsset', codes: undefined, snapshot: true, realtime: true });
    expect(onlyField({ type: 'myAsset', codes: null })).toEqual({ type: 'myAsset', codes: undefined, snapshot: true, realtime: true });
  });

  it('reads several fields, of the same type too, in order', () => {
    const parsed = parseRequest(
      request(TICKET, { type: 'ticker', codes: ['KRW-XRP'], isOnlySnapshot: true }, { type: 'ticker', codes: ['KRW-BTC'] }),
    );
    expect(parsed.ok && parsed.kind === 'subscribe' && parsed.fields.map((field) => field.codes)).toEqual([
      [{ code: 'KRW-XRP' }],
      [{ code: 'KRW-BTC' }],
    ]);
  });

  it('reads a LIST_SUBSCRIPTIONS request, with and without format', () => {
    expect(parseRequest(request(TICKET, { method: 'LIST_SUBSCRIPTIONS' }))).toEqual({
      ok: true,
      kind: 'list',
      ticket: 't-1',
      format: undefined,
    });
    expect(parseRequest(request({ method: 'LIST_SUBSCRIPTIONS' }, TICKET, { format: 'SIMPLE' }))).toEqual({
      ok: true,
      kind: 'list',
      ticket: 't-1',
      format: 'SIMPLE',
    });
  });
});

describe('parseRequest: rejected requests', () => {
  const ticker = { type: 'ticker', codes: ['KRW-BTC'] };
  it.each([
    // WRONG_FORMAT: the structure of the frame
    ['not JSON', 'PING', 'WRONG_FORMAT'],
    ['an object instead of an array', JSON.stringify({ ticket: 't', type: 'ticker' }), 'WRONG_FORMAT'],
    ['an element that is not an object', request(TICKET, 'ticker'), 'WRONG_FORMAT'],
    ['an element that is an array', request(TICKET, [ticker]), 'WRONG_FORMAT'],
    ['an element with none of ticket/type/format/method', request(TICKET, ticker, {}), 'WRONG_FORMAT'],
    ['an element that mixes ticket and type', request({ ticket: 't', ...ticker }), 'WRONG_FORMAT'],
    ['two tickets', request(TICKET, TICKET, ticker), 'WRONG_FORMAT'],
    ['two formats', request(TICKET, ticker, { format: 'SIMPLE' }, { format: 'DEFAULT' }), 'WRONG_FORMAT'],
    ['a ticket that is not a string', request({ ticket: 7 }, ticker), 'WRONG_FORMAT'],
    ['a null ticket', request({ ticket: null }, ticker), 'WRONG_FORMAT'],
    ['an unknown format', request(TICKET, ticker, { format: 'XML' }), 'WRONG_FORMAT'],
    ['a lower-case format', request(TICKET, ticker, { format: 'simple' }), 'WRONG_FORMAT'],
    ['a method together with type fields', request(TICKET, ticker, { method: 'LIST_SUBSCRIPTIONS' }), 'WRONG_FORMAT'],
    ['codes on myAsset', request(TICKET, { type: 'myAsset', codes: ['KRW-BTC'] }), 'WRONG_FORMAT'],
    ['empty codes on myAsset', request(TICKET, { type: 'myAsset', codes: [] }), 'WRONG_FORMAT'],
    ['codes that are not an array', request(TICKET, { type: 'ticker', codes: 'KRW-BTC' }), 'WRONG_FORMAT'],
    ['a frame over 64 KiB', request(TICKET, { type: 'ticker', codes: ['KRW-BTC'], pad: 'x'.repeat(MAX_REQUEST_BYTES) }), 'WRONG_FORMAT'],
    ['a frame over 64 KiB in UTF-8 only', request(TICKET, { ...ticker, pad: '가'.repeat(MAX_REQUEST_BYTES / 3 + 1) }), 'WRONG_FORMAT'],
    // NO_TICKET / NO_TYPE / NO_CODES: something missing
    ['an empty array', '[]', 'NO_TICKET'],
    ['no ticket', request(ticker), 'NO_TICKET'],
    ['an empty ticket', request({ ticket: '' }, ticker), 'NO_TICKET'],
    ['a LIST_SUBSCRIPTIONS request without a ticket', request({ method: 'LIST_SUBSCRIPTIONS' }), 'NO_TICKET'],
    ['no type field', request(TICKET), 'NO_TYPE'],
    ['only a ticket and a format', request(TICKET, { format: 'SIMPLE' }), 'NO_TYPE'],
    ['a public type without codes', request(TICKET, { type: 'ticker' }), 'NO_CODES'],
    ['a public type with empty codes', request(TICKET, { type: 'orderbook', codes: [] }), 'NO_CODES'],
    ['a public type with null codes', request(TICKET, { type: 'trade', codes: null }), 'NO_CODES'],
    // INVALID_PARAM: a value the server cannot use
    ['an unknown method', request(TICKET, { method: 'UNSUBSCRIBE' }), 'INVALID_PARAM'],
    ['an unknown type', request(TICKET, { type: 'tickers', codes: ['KRW-BTC'] }), 'INVALID_PARAM'],
    ['a type in the wrong case', request(TICKET, { type: 'Ticker', codes: ['KRW-BTC'] }), 'INVALID_PARAM'],
    ['a type that is not a string', request(TICKET, { type: 1, codes: ['KRW-BTC'] }), 'INVALID_PARAM'],
    ['an unknown candle unit', request(TICKET, { type: 'candle.2m', codes: ['KRW-BTC'] }), 'INVALID_PARAM'],
    ['a code without a quote currency', request(TICKET, { type: 'ticker', codes: ['BTC'] }), 'INVALID_PARAM'],
    ['a code that is not a string', request(TICKET, { type: 'ticker', codes: [42] }), 'INVALID_PARAM'],
    ['an empty code', request(TICKET, { type: 'ticker', codes: [''] }), 'INVALID_PARAM'],
    ['a malformed depth suffix', request(TICKET, { type: 'orderbook', codes: ['KRW-BTC.x'] }), 'INVALID_PARAM'],
    ['a depth suffix on ticker', request(TICKET, { type: 'ticker', codes: ['KRW-BTC.5'] }), 'INVALID_PARAM'],
    ['a depth suffix on myOrder', request(TICKET, { type: 'myOrder', codes: ['KRW-BTC.5'] }), 'INVALID_PARAM'],
    ['a negative level', request(TICKET, { type: 'orderbook', codes: ['KRW-BTC'], level: -1 }), 'INVALID_PARAM'],
    ['a level that is not a number', request(TICKET, { type: 'orderbook', codes: ['KRW-BTC'], level: 'ten' }), 'INVALID_PARAM'],
    ['a level that is a boolean', request(TICKET, { type: 'orderbook', codes: ['KRW-BTC'], level: true }), 'INVALID_PARAM'],
    ['a hexadecimal level string', request(TICKET, { type: 'orderbook', codes: ['KRW-BTC'], level: '0x10' }), 'INVALID_PARAM'],
    ['both flags true', request(TICKET, { ...ticker, isOnlySnapshot: true, isOnlyRealtime: true }), 'INVALID_PARAM'],
    ['both flags true, mixed spellings', request(TICKET, { ...ticker, is_only_snapshot: true, isOnlyRealtime: true }), 'INVALID_PARAM'],
    ['a flag that is not a boolean', request(TICKET, { ...ticker, isOnlySnapshot: 'yes' }), 'INVALID_PARAM'],
    ['too many codes in one field', request(TICKET, { type: 'ticker', codes: Array(MAX_REQUEST_CODES + 1).fill('KRW-BTC') }), 'INVALID_PARAM'],
  ])('rejects %s', (_case, text, error) => {
    const parsed = parseRequest(text);
    expect(parsed).toMatchObject({ ok: false, error });
    expect(parsed.ok || parsed.message.length).toBeGreaterThan(0);
  });

  it('counts the code limit over the whole request', () => {
    const half = Array(MAX_REQUEST_CODES / 2 + 1).fill('KRW-BTC');
    const text = request(TICKET, { type: 'ticker', codes: half }, { type: 'trade', codes: half });
    expect(text.length).toBeLessThan(MAX_REQUEST_BYTES);
    expect(parseRequest(text)).toMatchObject({ ok: false, error: 'INVALID_PARAM' });
  });

  it('accepts exactly the code limit', () => {
    const text = request(TICKET, { type: 'ticker', codes: Array(MAX_REQUEST_CODES).fill('KRW-BTC') });
    expect(parseRequest(text)).toMatchObject({ ok: true });
  });

  it('names the field and the code in its message', () => {
    const text = request(TICKET, { type: 'trade', codes: ['KRW-BTC'] }, { type: 'ticker', codes: ['KRW-BTC', 'krw-eth'] });
    const parsed = parseRequest(text, { lowerCaseCodes: 'reject' });
    expect(parsed).toEqual({
      ok: false,
      error: 'INVALID_PARAM',
      message: 'type field 1: codes[1]: "krw-eth" must be upper case',
    });
  });

  describe('lower-case codes', () => {
    it('accepts them as written by default, as Upbit was seen to (they match no market)', () => {
      const text = request(TICKET, { type: 'ticker', codes: ['krw-btc', 'KRW-ETH'] }, { type: 'orderbook', codes: ['krw-xrp.15'] });
      expect(parseRequest(text)).toMatchObject({
        ok: true,
        fields: [
          { type: 'ticker', codes: [{ code: 'krw-btc' }, { code: 'KRW-ETH' }] },
          { type: 'orderbook', codes: [{ code: 'krw-xrp', depth: 15 }] },
        ],
      });
      expect(parseRequest(text, { lowerCaseCodes: 'ignore' })).toEqual(parseRequest(text));
    });

    it.each([['krw-btc'], ['Krw-Btc'], ['KRW-btc.5']])("rejects %s with INVALID_PARAM under lowerCaseCodes: 'reject'", (code) => {
      const parsed = parseRequest(request(TICKET, { type: 'orderbook', codes: [code] }), { lowerCaseCodes: 'reject' });
      expect(parsed).toMatchObject({ ok: false, error: 'INVALID_PARAM', message: `type field 0: codes[0]: "${code}" must be upper case` });
    });

    it('still rejects what is no market code in any case', () => {
      for (const code of ['krw_btc', 'krw-ß', 'krw-btc-x']) {
        expect(parseRequest(request(TICKET, { type: 'ticker', codes: [code] }))).toMatchObject({ ok: false, error: 'INVALID_PARAM' });
      }
    });
  });

  it('reports the missing ticket before a bad type field', () => {
    expect(parseRequest(request({ type: 'nope' }))).toMatchObject({ error: 'NO_TICKET' });
  });

  it('rejects input that is not text', () => {
    expect(parseRequest(undefined as unknown as string)).toMatchObject({ ok: false, error: 'WRONG_FORMAT' });
  });

  it('survives deeply nested JSON', () => {
    expect(parseRequest(`${'['.repeat(20_000)}${']'.repeat(20_000)}`)).toMatchObject({ ok: false, error: 'WRONG_FORMAT' });
  });
});

describe('encodeRequest → parseRequest', () => {
  it('round-trips every option the encoder writes', () => {
    const sent: SubscribeRequest = {
      ticket: 'round-trip',
      format: 'SIMPLE_LIST',
      fields: [
        { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] },
        { type: 'ticker', codes: ['KRW-XRP'], isOnlySnapshot: true },
        { type: 'trade', codes: ['KRW-BTC'], isOnlyRealtime: true },
        { type: 'orderbook', codes: ['KRW-BTC.15', 'KRW-ETH'], level: 10000 },
        { type: 'candle.240m', codes: ['BTC-ETH'] },
        { type: 'myOrder' },
        { type: 'myOrder', codes: ['KRW-BTC'] },
        { type: 'myAsset' },
      ],
    };
    expect(parseRequest(encodeRequest(sent))).toEqual({
      ok: true,
      kind: 'subscribe',
      ticket: 'round-trip',
      format: 'SIMPLE_LIST',
      fields: [
        { type: 'ticker', codes: [{ code: 'KRW-BTC' }, { code: 'KRW-ETH' }], snapshot: true, realtime: true },
        { type: 'ticker', codes: [{ code: 'KRW-XRP' }], snapshot: true, realtime: false },
        { type: 'trade', codes: [{ code: 'KRW-BTC' }], snapshot: false, realtime: true },
        {
          type: 'orderbook',
          codes: [
            { code: 'KRW-BTC', depth: 15 },
            { code: 'KRW-ETH', depth: 30 },
          ],
          level: 10000,
          snapshot: true,
          realtime: true,
        },
        { type: 'candle.240m', codes: [{ code: 'BTC-ETH' }], snapshot: true, realtime: true },
        { type: 'myOrder', codes: undefined, snapshot: true, realtime: true },
        { type: 'myOrder', codes: [{ code: 'KRW-BTC' }], snapshot: true, realtime: true },
        { type: 'myAsset', codes: undefined, snapshot: true, realtime: true },
      ],
    });
  });

  it('round-trips LIST_SUBSCRIPTIONS', () => {
    expect(parseRequest(encodeListSubscriptions('t-9', 'JSON_LIST'))).toEqual({
      ok: true,
      kind: 'list',
      ticket: 't-9',
      format: 'JSON_LIST',
    });
  });
});
