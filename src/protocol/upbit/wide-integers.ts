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
 * Before parsing, the decoder quotes the ids in the frame's text (`quoteTradeIds`: one search
 * for a short anchor that starts with a rare character, nearly free on frames without an id), so
 * `JSON.parse` makes the strings itself. After parsing, `restoreWideIntegers` checks each trade's
 * id and, should an id still be a number (a frame whose naming was guessed wrong), finds its
 * digits in the text. The decoder benchmark (bench/decode.bench.ts) measures what this costs. The embedded exchange writes these fields back as bare numbers
 * (`toWireJson`), as Upbit does.
 */
import type { UpbitMessage } from './types.js';
import { SIMPLE_KEYS } from './keys.js';

/**
 * A quoted JSON key and the part of it that is searched for (`anchor`), chosen for speed. V8
 * searches a pattern of 7 or more characters with Boyer-Moore-Horspool, whose set-up costs more
 * than the whole search of a trade frame; a shorter one by finding its first character and
 * comparing, which stops at every occurrence of that character. On the trade frames of
 * bench/decode.bench.ts (one loaded machine): `"sequential_id"` 750 ns, `al_id"` 300 ns, `quent`
 * 21 ns; `"sid"` 660 ns, `sid"` 32 ns. So the anchor is short and starts with a character that
 * is rare in Upbit's frames.
 */
export interface KeyPattern {
  readonly key: string;
  readonly anchor: string;
  /** Where the anchor sits in the key. */
  readonly lead: number;
}

export function keyPattern(name: string, anchor: string): KeyPattern {
  const key = `"${name}"`;
  const lead = key.indexOf(anchor);
  if (lead === -1 || anchor.length > 6) throw new RangeError(`anchor ${anchor} must be a part of ${key} of at most 6 characters`);
  return { key, anchor, lead };
}

/** The trade field and its SIMPLE name, as they appear in a frame's text. */
const SEQUENTIAL_ID = 'sequential_id';
const DEFAULT_KEY = `"${SEQUENTIAL_ID}"`;
const SIMPLE_KEY = `"${SIMPLE_KEYS.trade.sequential_id}"`;
const DEFAULT_PATTERN = keyPattern(SEQUENTIAL_ID, 'quent');
const SIMPLE_PATTERN = keyPattern(SIMPLE_KEYS.trade.sequential_id, 'sid"');

/** A string of one or more decimal digits (a loop: a RegExp test costs more on the hot path). */
function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/**
 * The frame's text with every trade id quoted (`"sequential_id":17853950437790001` becomes
 * `"sequential_id":"17853950437790001"`, `"sid"` likewise), so `JSON.parse` reads it as the exact
 * string, and reads it faster than a number of 17 digits; the text itself when it has none. The
 * naming is guessed from the first key (Upbit writes `type` or `ty` first): a wrong guess costs
 * only speed, since `restoreWideIntegers` then finds the digits after parsing.
 */
export function quoteTradeIds(text: string): string {
  const simple = text.startsWith('"ty"', 1) || text.startsWith('"ty"', 2);
  const pattern = simple ? SIMPLE_PATTERN : DEFAULT_PATTERN;
  let at = indexOfKey(text, pattern, 0);
  if (at === -1) return text;
  let quoted = '';
  let copied = 0;
  for (; at !== -1; at = indexOfKey(text, pattern, at + pattern.key.length)) {
    let start = at + pattern.key.length;
    while (isSpace(text.charCodeAt(start))) start++;
    if (text.charCodeAt(start) !== 0x3a /* : */) continue;
    start++;
    while (isSpace(text.charCodeAt(start))) start++;
    let end = start;
    while (isDigit(text.charCodeAt(end))) end++;
    const next = text.charCodeAt(end);
    if (end === start || next === 0x2e /* . */ || (next | 0x20) === 0x65 /* e E */) continue;
    quoted += `${text.slice(copied, start)}"${text.slice(start, end)}"`;
    copied = end;
  }
  return copied === 0 ? text : quoted + text.slice(copied);
}

/**
 * Replaces each trade's `sequential_id` (as `JSON.parse` left it) with the exact digits from
 * `text`. `trades` are in frame order; `simple` says which key the text spells. Returns why it
 * could not, or `undefined` when done. A number is matched to the first key after the previous
 * one whose digits agree with that double. The key written inside a string value never matches
 * (its quotes are escaped there). A key of the same name in a nested object would need a real
 * parser to tell apart; Upbit's trade messages have no nested objects.
 */
export function restoreWideIntegers(text: string, trades: readonly UpbitMessage[], simple: boolean): string | undefined {
  const key = simple ? SIMPLE_PATTERN : DEFAULT_PATTERN;
  let from = 0;
  for (const trade of trades) {
    const fields = trade as unknown as Record<string, unknown>;
    const parsed = fields[SEQUENTIAL_ID];
    if (parsed === undefined) continue;
    if (typeof parsed === 'string') {
      if (!isDigits(parsed)) return `sequential_id is ${JSON.stringify(parsed)}, not digits`;
      continue;
    }
    if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < 0) return `sequential_id is ${String(parsed)}, not an integer`;
    if (Number.isSafeInteger(parsed)) {
      // Up to 2^53 the double is exact (the 16-digit ids of 2021), and its text is the wire's.
      fields[SEQUENTIAL_ID] = String(parsed);
      continue;
    }
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
  pattern: KeyPattern,
  from: number,
  expected: number,
): { readonly digits: string; readonly end: number } | undefined {
  const length = pattern.key.length;
  for (let at = indexOfKey(text, pattern, from); at !== -1; at = indexOfKey(text, pattern, at + length)) {
    let start = at + length;
    while (isSpace(text.charCodeAt(start))) start++;
    if (text.charCodeAt(start) !== 0x3a /* : */) continue;
    start++;
    while (isSpace(text.charCodeAt(start))) start++;
    // The value of the first 15 digits is exact in a double and costs no string conversion.
    let end = start;
    let head = 0;
    for (let code = text.charCodeAt(end); isDigit(code); code = text.charCodeAt(++end)) {
      if (end - start < 15) head = head * 10 + (code - 0x30);
    }
    if (end === start) continue;
    // Digits followed by a fraction or an exponent are some other number. (JSON has no leading zeros.)
    const next = text.charCodeAt(end);
    if (next !== 0x2e /* . */ && (next | 0x20) !== 0x65 /* e E */ && isCloseTo(head, end - start, expected)) {
      // Two short slices, not one: V8 makes a slice of 13 or more characters a view that keeps the
      // whole frame's text alive for as long as the message is kept; shorter ones are copies.
      const middle = Math.min(start + 12, end);
      return { digits: text.slice(start, middle) + text.slice(middle, end), end };
    }
  }
  return undefined;
}

/** Where the pattern's key starts at or after `from`, or -1 (see `KeyPattern`). */
function indexOfKey(text: string, { key, anchor, lead }: KeyPattern, from: number): number {
  for (let at = text.indexOf(anchor, from + lead); at !== -1; at = text.indexOf(anchor, at + 1)) {
    if (text.startsWith(key, at - lead)) return at - lead;
  }
  return -1;
}

/**
 * Whether a number of `length` digits whose first 15 are worth `head` is the integer `JSON.parse`
 * rounded to `expected`: exactly up to 15 digits, else to within the digits not counted (plus the
 * rounding of both doubles). It tells this field's number from another's; `Number()` of the digits
 * would take V8's slow, exactly rounded path beyond 15 digits.
 */
function isCloseTo(head: number, length: number, expected: number): boolean {
  if (length <= 15) return head === expected;
  const scale = 10 ** (length - 15);
  return Math.abs(head * scale - expected) < scale + expected * 2 ** -50;
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
