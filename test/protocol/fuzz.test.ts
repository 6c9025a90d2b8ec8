/**
 * Property tests: the parser and the decoder face the network, so whatever arrives they must
 * return a well-formed result and never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RAW_LENGTH, decodeFrame } from '../../src/protocol/upbit/decode.js';
import { encodeRequest } from '../../src/protocol/upbit/encode.js';
import { SIMPLE_KEYS, toSimple, type KeyTable } from '../../src/protocol/upbit/keys.js';
import { parseRequest } from '../../src/protocol/upbit/request.js';
import {
  CANDLE_TYPES,
  DATA_TYPES,
  ERROR_NAMES,
  FORMATS,
  ORDERBOOK_DEPTHS,
  isDataType,
} from '../../src/protocol/upbit/types.js';
import type { DecodedFrame, ParsedRequest, SubscribeRequest, TypeField, UpbitMessage } from '../../src/protocol/upbit/types.js';
import { SAMPLES } from './fixtures.js';

const RUNS = 3000;

// ─── What "well-formed" means ────────────────────────────────────────────────

function expectWellFormedRequest(parsed: ParsedRequest): void {
  if (!parsed.ok) {
    expect(ERROR_NAMES).toContain(parsed.error);
    expect(parsed.error).not.toBe('INVALID_AUTH');
    expect(parsed.message).toEqual(expect.any(String));
    expect(parsed.message.length).toBeGreaterThan(0);
    return;
  }
  expect(parsed.ticket).toEqual(expect.any(String));
  expect(parsed.ticket.length).toBeGreaterThan(0);
  if (parsed.kind === 'list') {
    if (parsed.format !== undefined) expect(FORMATS).toContain(parsed.format);
    return;
  }
  expect(FORMATS).toContain(parsed.format);
  expect(parsed.fields.length).toBeGreaterThan(0);
  for (const field of parsed.fields) {
    expect(DATA_TYPES).toContain(field.type);
    expect(field.snapshot || field.realtime).toBe(true);
    if (field.level !== undefined) {
      expect(field.type).toBe('orderbook');
      expect(field.level).toBeGreaterThanOrEqual(0);
    }
    if (field.type === 'myAsset') expect(field.codes).toBeUndefined();
    if (field.type !== 'myOrder' && field.type !== 'myAsset') expect(field.codes?.length).toBeGreaterThan(0);
    for (const code of field.codes ?? []) {
      expect(code.code).toMatch(/^[A-Z0-9]+-[A-Z0-9]+$/);
      if (field.type === 'orderbook') expect(ORDERBOOK_DEPTHS).toContain(code.depth);
      else expect(code.depth).toBeUndefined();
    }
  }
}

function expectWellFormedMessage(message: UpbitMessage): void {
  expect(isDataType(message.type)).toBe(true);
  expect(message.code).toEqual(expect.any(String));
}

function expectWellFormedFrame(frame: DecodedFrame): void {
  switch (frame.kind) {
    case 'message':
      return expectWellFormedMessage(frame.message);
    case 'messages':
      return frame.messages.forEach(expectWellFormedMessage);
    case 'status':
      return void expect(frame.status).toEqual(expect.any(String));
    case 'error':
      expect(frame.name).toEqual(expect.any(String));
      return void expect(frame.message).toEqual(expect.any(String));
    case 'subscriptions':
      expect(frame.ticket).toEqual(expect.any(String));
      for (const entry of frame.result) expect(isDataType(entry.type)).toBe(true);
      return;
    case 'invalid':
      expect(frame.reason.length).toBeGreaterThan(0);
      return void expect(frame.raw.length).toBeLessThanOrEqual(MAX_RAW_LENGTH + 1);
    default:
      throw new Error(`unknown frame kind ${JSON.stringify(frame)}`);
  }
}

// ─── Generators ──────────────────────────────────────────────────────────────

const code = fc
  .tuple(fc.constantFrom('KRW', 'BTC', 'USDT', 'SGD'), fc.stringMatching(/^[A-Z0-9]{1,8}$/))
  .map(([quote, base]) => `${quote}-${base}`);

const typeField: fc.Arbitrary<TypeField> = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('ticker', 'trade', ...CANDLE_TYPES),
      codes: fc.array(code, { minLength: 1, maxLength: 5 }),
      isOnlySnapshot: fc.boolean(),
    },
    { requiredKeys: ['type', 'codes'] },
  ),
  fc.record(
    {
      type: fc.constant('orderbook' as const),
      codes: fc.array(
        fc.tuple(code, fc.option(fc.integer({ min: 0, max: 99 }))).map(([c, depth]) => (depth === null ? c : `${c}.${depth}`)),
        { minLength: 1, maxLength: 5 },
      ),
      level: fc.constantFrom(0, 10, 10000, 0.1),
      isOnlyRealtime: fc.boolean(),
    },
    { requiredKeys: ['type', 'codes'] },
  ),
  fc.record({ type: fc.constant('myOrder' as const), codes: fc.array(code, { maxLength: 3 }) }, { requiredKeys: ['type'] }),
  fc.constant({ type: 'myAsset' as const }),
);

const subscribeRequest: fc.Arbitrary<SubscribeRequest> = fc.record(
  {
    ticket: fc.string({ minLength: 1, maxLength: 40 }),
    fields: fc.array(typeField, { minLength: 1, maxLength: 6 }),
    format: fc.constantFrom(...FORMATS),
  },
  { requiredKeys: ['ticket', 'fields'] },
);

type Json = unknown;

/** One random edit somewhere in a JSON value: replace, delete, or insert. */
function mutate(value: Json, path: readonly number[], replacement: Json, action: number): Json {
  if (Array.isArray(value)) {
    if (value.length === 0 || path.length === 0) return action % 2 === 0 ? [...value, replacement] : replacement;
    const index = (path[0] ?? 0) % value.length;
    if (path.length === 1 && action % 3 === 0) return value.filter((_, i) => i !== index);
    return value.map((item, i) => (i === index ? mutate(item, path.slice(1), replacement, action) : item));
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 0 || path.length === 0) return replacement;
    const key = keys[(path[0] ?? 0) % keys.length] ?? '';
    const record = value as Record<string, Json>;
    if (path.length === 1 && action % 3 === 0) {
      const { [key]: _removed, ...rest } = record;
      return rest;
    }
    return { ...record, [key]: mutate(record[key], path.slice(1), replacement, action) };
  }
  return replacement;
}

const mutation = fc.record({
  path: fc.array(fc.nat(), { maxLength: 4 }),
  replacement: fc.jsonValue({ maxDepth: 3 }),
  action: fc.nat(),
});

const wireSample = fc.constantFrom(...SAMPLES.flatMap(([, wire, simple]) => [wire, simple]));

// ─── Properties ──────────────────────────────────────────────────────────────

describe('parseRequest never throws and always answers well-formed', () => {
  it('on random strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => expectWellFormedRequest(parseRequest(text))),
      { numRuns: RUNS },
    );
  });

  it('on random bytes read as UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) =>
        expectWellFormedRequest(parseRequest(Buffer.from(bytes).toString('utf8'))),
      ),
      { numRuns: RUNS },
    );
  });

  it('on random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expectWellFormedRequest(parseRequest(JSON.stringify(value)))),
      { numRuns: RUNS },
    );
  });

  it('on arrays of random objects shaped like requests', () => {
    const element = fc.oneof(
      fc.record({ ticket: fc.jsonValue({ maxDepth: 1 }) }),
      fc.record({ type: fc.oneof(fc.constantFrom(...DATA_TYPES), fc.jsonValue({ maxDepth: 1 })), codes: fc.jsonValue({ maxDepth: 2 }) }),
      fc.record({ format: fc.oneof(fc.constantFrom(...FORMATS), fc.jsonValue({ maxDepth: 1 })) }),
      fc.record({ method: fc.oneof(fc.constant('LIST_SUBSCRIPTIONS'), fc.jsonValue({ maxDepth: 1 })) }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 6 }), (elements) =>
        expectWellFormedRequest(parseRequest(JSON.stringify(elements))),
      ),
      { numRuns: RUNS },
    );
  });

  it('accepts every request the encoder writes', () => {
    fc.assert(
      fc.property(subscribeRequest, (request) => {
        const parsed = parseRequest(encodeRequest(request));
        expectWellFormedRequest(parsed);
        expect(parsed).toMatchObject({ ok: true, kind: 'subscribe', ticket: request.ticket });
        expect(parsed.ok && parsed.kind === 'subscribe' && parsed.fields.map((field) => field.type)).toEqual(
          request.fields.map((field) => field.type),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('on mutated valid requests', () => {
    fc.assert(
      fc.property(subscribeRequest, mutation, (request, { path, replacement, action }) => {
        const mutated = mutate(JSON.parse(encodeRequest(request)), path, replacement, action);
        expectWellFormedRequest(parseRequest(JSON.stringify(mutated)));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('decodeFrame never throws and always answers well-formed', () => {
  it('on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => expectWellFormedFrame(decodeFrame(Buffer.from(bytes)))),
      { numRuns: RUNS },
    );
  });

  it('on random strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (text) => expectWellFormedFrame(decodeFrame(text))),
      { numRuns: RUNS },
    );
  });

  it('on random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expectWellFormedFrame(decodeFrame(JSON.stringify(value)))),
      { numRuns: RUNS },
    );
  });

  it('on mutated sample frames, DEFAULT and SIMPLE, alone and in lists', () => {
    fc.assert(
      fc.property(wireSample, mutation, fc.boolean(), (sample, { path, replacement, action }, asList) => {
        const mutated = mutate(sample, path, replacement, action);
        expectWellFormedFrame(decodeFrame(Buffer.from(JSON.stringify(asList ? [mutated] : mutated))));
      }),
      { numRuns: RUNS },
    );
  });

  it('decodes the SIMPLE form of any decoded message back to the same message', () => {
    fc.assert(
      fc.property(wireSample, mutation, (sample, { path, replacement, action }) => {
        const frame = decodeFrame(JSON.stringify(mutate(sample, path, replacement, action)));
        if (frame.kind !== 'message') return;
        // A message that carries an abbreviated key beside the DEFAULT ones (`b` inside an asset)
        // is ambiguous by construction: renaming cannot round-trip it, and Upbit never sends one.
        fc.pre(!hasKeyFrom(frame.message, SIMPLE_NAMES));
        expect(decodeFrame(JSON.stringify(toSimple(frame.message)))).toEqual(frame);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Every abbreviated key of every table, nested ones included. */
const SIMPLE_NAMES: ReadonlySet<string> = new Set(
  Object.values(SIMPLE_KEYS as Readonly<Record<string, KeyTable>>).flatMap((table) =>
    Object.values(table).flatMap((entry) => (typeof entry === 'string' ? [entry] : [entry.key, ...Object.values(entry.items)])),
  ),
);

function hasKeyFrom(value: unknown, names: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((item) => hasKeyFrom(item, names));
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, inner]) => names.has(key) || hasKeyFrom(inner, names));
}
