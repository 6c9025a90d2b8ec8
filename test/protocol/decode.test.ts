import { describe, expect, it } from 'vitest';
import { MAX_RAW_LENGTH, decodeFrame } from '../../src/protocol/upbit/decode.js';
import { SAMPLES, listSubscriptionsDefault, listSubscriptionsSimple, tickerDefault } from './fixtures.js';

/** A frame as ws hands it over in Node: the UTF-8 bytes of the JSON text. */
function bytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

describe('decodeFrame: data messages', () => {
  it.each(SAMPLES)('decodes a DEFAULT %s frame', (_type, wire, _simple, message) => {
    expect(decodeFrame(bytes(wire))).toEqual({ kind: 'message', message });
  });

  it.each(SAMPLES)('decodes a SIMPLE %s frame to the same message', (_type, _wire, simple, message) => {
    expect(decodeFrame(bytes(simple))).toEqual({ kind: 'message', message });
  });

  it('hands a DEFAULT frame on with exactly the keys that arrived (no renaming, nothing added)', () => {
    const frame = decodeFrame(bytes(tickerDefault));
    expect(frame.kind === 'message' && Object.keys(frame.message)).toEqual(Object.keys(tickerDefault));
  });

  it('reads every input representation: Buffer, Uint8Array, ArrayBuffer, string', () => {
    const buffer = bytes(tickerDefault);
    const expected = { kind: 'message', message: tickerDefault };
    expect(decodeFrame(buffer)).toEqual(expected);
    expect(decodeFrame(new Uint8Array(buffer))).toEqual(expected);
    const arrayBuffer = new Uint8Array(buffer).slice().buffer;
    expect(decodeFrame(arrayBuffer)).toEqual(expected);
    expect(decodeFrame(JSON.stringify(tickerDefault))).toEqual(expected);
  });

  it('reads a Uint8Array that is a window into a larger buffer', () => {
    const text = JSON.stringify(tickerDefault);
    const backing = Buffer.from(`xxxx${text}yyyy`);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, Buffer.byteLength(text));
    expect(decodeFrame(view)).toEqual({ kind: 'message', message: tickerDefault });
  });

  it('decodes a JSON_LIST frame to messages', () => {
    const wires = SAMPLES.map(([, wire]) => wire);
    expect(decodeFrame(bytes(wires))).toEqual({ kind: 'messages', messages: SAMPLES.map(([, , , message]) => message) });
  });

  it('decodes a SIMPLE_LIST frame to the same messages', () => {
    const simples = SAMPLES.map(([, , simple]) => simple);
    expect(decodeFrame(bytes(simples))).toEqual({ kind: 'messages', messages: SAMPLES.map(([, , , message]) => message) });
  });

  it('decodes an empty list frame to no messages', () => {
    expect(decodeFrame('[]')).toEqual({ kind: 'messages', messages: [] });
  });
});

describe('decodeFrame: control frames', () => {
  it('decodes the PING answer {"status":"UP"}', () => {
    expect(decodeFrame(bytes({ status: 'UP' }))).toEqual({ kind: 'status', status: 'UP' });
  });

  it('decodes an error frame (https://docs.upbit.com/reference/connection)', () => {
    const frame = { error: { name: 'INVALID_AUTH', message: '인증 정보가 올바르지 않습니다.' } };
    expect(decodeFrame(bytes(frame))).toEqual({
      kind: 'error',
      name: 'INVALID_AUTH',
      message: '인증 정보가 올바르지 않습니다.',
    });
  });

  it('decodes an error frame without a message', () => {
    expect(decodeFrame('{"error":{"name":"NO_TICKET"}}')).toEqual({ kind: 'error', name: 'NO_TICKET', message: '' });
  });

  it('decodes the LIST_SUBSCRIPTIONS reply in DEFAULT and in SIMPLE to the same frame', () => {
    const expected = {
      kind: 'subscriptions',
      ticket: 'unique uuid',
      result: [
        { type: 'ticker', codes: ['KRW-BTC', 'KRW-ETH'] },
        { type: 'orderbook', codes: ['KRW-BTC', 'KRW-ETH'], level: 0 },
      ],
    };
    expect(decodeFrame(bytes(listSubscriptionsDefault))).toEqual(expected);
    expect(decodeFrame(bytes(listSubscriptionsSimple))).toEqual(expected);
  });

  it('reads a numeric LIST_SUBSCRIPTIONS ticket (the page types it Long) as text', () => {
    const frame = decodeFrame('{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"myAsset"}],"ticket":42}');
    expect(frame).toEqual({ kind: 'subscriptions', ticket: '42', result: [{ type: 'myAsset' }] });
  });
});

describe('decodeFrame: invalid frames', () => {
  it.each([
    ['not JSON', '{"type":', 'frame is not JSON'],
    ['a JSON scalar', '42', 'neither a JSON object nor an array'],
    ['null', 'null', 'neither a JSON object nor an array'],
    ['an object of no known shape', '{"hello":"world"}', 'not a known Upbit message'],
    ['an unknown type', '{"type":"announcement","code":"KRW-BTC"}', 'unknown type "announcement"'],
    ['an unknown SIMPLE type', '{"ty":"tick","cd":"KRW-BTC"}', 'unknown type "tick"'],
    ['a type that is not a string', '{"type":7,"code":"KRW-BTC"}', 'unknown type 7'],
    ['a missing code', '{"type":"ticker","trade_price":1}', 'code is undefined'],
    ['a code that is not a string', '{"type":"trade","code":1}', 'code is 1'],
    ['a myAsset code that is not a string', '{"type":"myAsset","code":5}', 'code is 5'],
    ['a list with a non-object', '[{"type":"ticker","code":"KRW-BTC"},3]', 'list item 1: not an object'],
    ['a list with a bad message', '[{"type":"ticker","code":"KRW-BTC"},{"type":"x","code":"A"}]', 'list item 1: unknown type'],
    ['a status that is not a string', '{"status":1}', 'status is not a string'],
    ['an error without a name', '{"error":{"message":"m"}}', 'error frame has no name'],
    ['an error that is not an object', '{"error":"boom"}', 'error frame has no name'],
    ['an error message that is not a string', '{"error":{"name":"X","message":1}}', 'error message is not a string'],
    ['an unknown method', '{"method":"SUBSCRIBE","result":[],"ticket":"t"}', 'unknown method "SUBSCRIBE"'],
    ['a reply without a ticket', '{"method":"LIST_SUBSCRIPTIONS","result":[]}', 'ticket is undefined'],
    ['a reply whose result is not a list', '{"mthd":"LIST_SUBSCRIPTIONS","rslt":{},"tckt":"t"}', 'result is not an array'],
    ['a reply entry whose type is not a string', '{"method":"LIST_SUBSCRIPTIONS","result":[{"type":7}],"ticket":"t"}', 'result[0]: type is 7'],
    ['a reply entry with bad codes', '{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"ticker","codes":[1]}],"ticket":"t"}', 'codes is not a list'],
    ['a reply entry with a bad level', '{"method":"LIST_SUBSCRIPTIONS","result":[{"type":"orderbook","level":"x"}],"ticket":"t"}', 'level is "x"'],
  ])('rejects %s', (_case, text, reason) => {
    const frame = decodeFrame(text);
    expect(frame).toMatchObject({ kind: 'invalid', raw: text });
    expect(frame.kind === 'invalid' && frame.reason).toContain(reason);
  });

  it('rejects input that is neither text nor bytes', () => {
    expect(decodeFrame(42 as unknown as string)).toMatchObject({ kind: 'invalid', raw: '' });
  });

  it('keeps a bounded prefix of a large invalid frame', () => {
    const text = `{"junk":"${'x'.repeat(100_000)}"}`;
    const frame = decodeFrame(text);
    expect(frame.kind).toBe('invalid');
    expect(frame.kind === 'invalid' && frame.raw).toBe(`${text.slice(0, MAX_RAW_LENGTH)}…`);
  });

  it('survives invalid UTF-8 bytes', () => {
    expect(decodeFrame(Buffer.from([0xff, 0xfe, 0x7b]))).toMatchObject({ kind: 'invalid', reason: 'frame is not JSON' });
  });
});
