/**
 * Integers that pass 2^53, carried exactly.
 *
 * Upbit writes trade `sequential_id` as a bare JSON number of 17 digits today: the trade's
 * millisecond timestamp followed by four digits (`17853950437790001` is a trade at
 * 1785395043779 ms). Above 2^53 (9 007 199 254 740 992) a double holds only even integers, so
 * `JSON.parse` turns that id into `17853950437790000`, and two trades whose ids differ in the
 * last digit get the same id. upstate therefore hands such fields on as a **string of decimal
 * digits**, read from the frame's text: exact, JSON-serialisable (a `bigint` is not), usable as a
 * Map key, and ordered like the numbers when compared by length first, then as strings.
 *
 * The decoder calls `restoreWideIntegers` only for messages whose type has such a field (one
 * comparison per frame for every other type), and it then finds the digits with `indexOf` on
 * the text it has already parsed: the decoder benchmark (bench/decode.bench.ts, "trades only")
 * measures what that costs. The embedded exchange writes these fields back as bare numbers
 * (`toWireJson`), as Upbit does.
 */
import type { UpbitMessage } from './types.js';
import { SIMPLE_KEYS } from './keys.js';

/** Per data type, the fields whose integers may pass 2^53. */
export const WIDE_INTEGER_FIELDS = { trade: ['sequential_id'] } as const;

/** The trade field and its SIMPLE name, as they appear in a frame's text. */
const SEQUENTIAL_ID = 'sequential_id';
const DEFAULT_KEY = `"${SEQUENTIAL_ID}"`;
const SIMPLE_KEY = `"${SIMPLE_KEYS.trade.sequential_id}"`;

const DIGITS = /^\d+$/;

/**
 * Replaces each trade's `sequential_id` (as `JSON.parse` left it) with the exact digits from
 * `text`. `trades` are in frame order; `simple` says which key the text spells. Returns why it
 * could not, or `undefined` when done. A number is matched to the first key after the previous
 * one whose digits parse to the same double, so a key inside some other value cannot be taken
 * for it.
 */
export function restoreWideIntegers(text: string, trades: readonly UpbitMessage[], simple: boolean): string | undefined {
  const key = simple ? SIMPLE_KEY : DEFAULT_KEY;
  let from = 0;
  for (const trade of trades) {
    const fields = trade as unknown as Record<string, unknown>;
    const parsed = fields[SEQUENTIAL_ID];
    if (parsed === undefined) continue;
    if (typeof parsed === 'string') {
      if (!DIGITS.test(parsed)) return `sequential_id is ${JSON.stringify(parsed)}, not digits`;
      continue;
    }
    if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < 0) return `sequential_id is ${String(parsed)}, not an integer`;
    const found = digitsAfter(text, key, from, parsed);
    if (found === undefined) return `sequential_id ${parsed} is not written as plain digits`;
    fields[SEQUENTIAL_ID] = found.digits;
    from = found.end;
  }
  return undefined;
}

/**
 * The integer written after `key` (a quoted JSON key) at or after `from`, whose value as a double
 * is `expected`: its digits and where they end. A LIST_SUBSCRIPTIONS `ticket` sent as a number is
 * read the same way.
 */
export function digitsAfter(
  text: string,
  key: string,
  from: number,
  expected: number,
): { readonly digits: string; readonly end: number } | undefined {
  for (let at = text.indexOf(key, from); at !== -1; at = text.indexOf(key, at + key.length)) {
    let start = at + key.length;
    while (isSpace(text.charCodeAt(start))) start++;
    if (text.charCodeAt(start) !== 0x3a /* : */) continue;
    start++;
    while (isSpace(text.charCodeAt(start))) start++;
    let end = start;
    while (isDigit(text.charCodeAt(end))) end++;
    if (end === start) continue;
    const digits = text.slice(start, end);
    // Digits followed by a fraction or an exponent are some other number. (JSON has no leading zeros.)
    const next = text.charCodeAt(end);
    if (next !== 0x2e /* . */ && (next | 0x20) !== 0x65 /* e E */ && Number(digits) === expected) return { digits, end };
  }
  return undefined;
}

/**
 * JSON text of a message or list of messages with every wide-integer field written as a bare
 * number, as Upbit writes it: `{"sequential_id":"17853950437790001"}` becomes
 * `{"sequential_id":17853950437790001}` (and `"sid"` likewise). Only digit strings are unquoted.
 */
export function toWireJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes(DEFAULT_KEY) || json.includes(SIMPLE_KEY) ? json.replace(WIDE_FIELD_AS_STRING, '$1$2') : json;
}

/** `"sequential_id":"123"` or `"sid":"123"` as JSON.stringify writes them (no spaces). */
const WIDE_FIELD_AS_STRING = new RegExp(`(${DEFAULT_KEY}:|${SIMPLE_KEY}:)"(\\d+)"`, 'g');

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
