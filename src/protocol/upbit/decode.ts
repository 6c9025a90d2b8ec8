/**
 * Server → client frames. Upbit sends UTF-8 JSON, as binary frames
 * (https://docs.upbit.com/reference/connection), in one of four shapes:
 * - a data message, DEFAULT names (`type`, `code`, …) or SIMPLE names (`ty`, `cd`, …);
 * - a JSON array of data messages (formats JSON_LIST and SIMPLE_LIST);
 * - `{"status":"UP"}`, the answer to a text `PING`;
 * - `{"error":{"name","message"}}`, or the LIST_SUBSCRIPTIONS reply (`method`/`mthd`).
 *
 * DEFAULT data frames are the hot path: the parsed object is handed on as it is, after a check of
 * `type` and `code` (no copy, no renaming). Everything else is rare and checked fully.
 *
 * Two fields are not delivered as `JSON.parse` reads them (the only two places where a value is
 * changed on the way): trade `sequential_id` becomes the exact string of digits from the frame's
 * text (`wide-integers.ts`), and myOrder `prevented_volume` / `prevented_locked`, which Upbit's
 * pages give as numbers in one place and strings in another, become numbers (`readMyOrder`).
 */
import { describe } from '../../errors.js';
import { LIST_SUBSCRIPTIONS_KEYS, fromSimple, listReplyFromSimple } from './keys.js';
import type { DecodedFrame, ListedSubscription, UpbitMessage } from './types.js';
import { isRecord } from './json.js';
import { isDataType } from './types.js';
import { digitsAfter, keyPattern, quoteTradeIds, restoreWideIntegers } from './wide-integers.js';

/** An `invalid` frame keeps at most this many characters of the offending text. */
export const MAX_RAW_LENGTH = 256;

/** Turns one inbound frame into a `DecodedFrame`. Never throws: bad input is `kind: 'invalid'`. */
export function decodeFrame(data: Buffer | ArrayBuffer | Uint8Array | string): DecodedFrame {
  // Trade ids pass 2^53: quoted first, they are parsed as exact strings (wide-integers.ts).
  const received = toText(data);
  if (received === undefined) return invalid(`frame is ${describe(data)}, not text or bytes`, '');
  const text = quoteTradeIds(received);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('frame is not JSON', received);
  }
  const frame = Array.isArray(value) ? decodeList(value, text) : decodeObject(value, text);
  return typeof frame === 'string' ? invalid(frame, received) : frame;
}

/** A decoded frame, or why the frame is invalid. */
type Outcome = DecodedFrame | string;

function decodeObject(value: unknown, text: string): Outcome {
  if (!isRecord(value)) return 'frame is neither a JSON object nor an array';
  if (value.type !== undefined || value.ty !== undefined) {
    const message = readMessage(value);
    if (typeof message === 'string') return message;
    // Only trades carry an integer wider than 2^53; every other type pays this one comparison.
    if (message.type === 'trade') {
      const problem = restoreWideIntegers(text, [message], value.type === undefined);
      if (problem !== undefined) return problem;
    }
    return { kind: 'message', message };
  }
  if (value.error !== undefined) return readError(value.error);
  if (value.status !== undefined) {
    return typeof value.status === 'string' ? { kind: 'status', status: value.status } : 'status is not a string';
  }
  if (value.method !== undefined || value.mthd !== undefined) return readSubscriptions(value, text);
  return 'frame is not a known Upbit message';
}

function decodeList(items: readonly unknown[], text: string): Outcome {
  const messages: UpbitMessage[] = [];
  const trades: UpbitMessage[] = [];
  let simple = false;
  for (const [index, item] of items.entries()) {
    const message = isRecord(item) ? readMessage(item) : 'not an object';
    if (typeof message === 'string') return `list item ${index}: ${message}`;
    messages.push(message);
    if (message.type === 'trade') {
      // A list is all DEFAULT (JSON_LIST) or all SIMPLE (SIMPLE_LIST) names.
      if (trades.length === 0) simple = (item as Record<string, unknown>).type === undefined;
      trades.push(message);
    }
  }
  if (trades.length > 0) {
    const problem = restoreWideIntegers(text, trades, simple);
    if (problem !== undefined) return problem;
  }
  return { kind: 'messages', messages };
}

/**
 * A data message with DEFAULT names. A frame with `ty` and no `type` is SIMPLE and is renamed
 * first. The check is deliberately cheap: a known `type` and a string `code`. myAsset has no
 * market code on the wire and gets `code: ''` so every message can be routed by (type, code).
 */
function readMessage(value: Record<string, unknown>): UpbitMessage | string {
  // fromSimple only renames; its result is checked below like any parsed object.
  const fields = value.type === undefined ? (fromSimple(value) as unknown as Record<string, unknown>) : value;
  const { type, code } = fields;
  if (!isDataType(type)) return `unknown type ${describe(type)}`;
  if (typeof code !== 'string') {
    if (type !== 'myAsset' || code !== undefined) return `code is ${describe(code)}, not a string`;
    fields.code = '';
  }
  if (type === 'myOrder') {
    const problem = readMyOrder(fields);
    if (problem !== undefined) return problem;
  }
  return fields as unknown as UpbitMessage;
}

/** myOrder fields that Upbit's pages give as Double in one place and as String in another. */
const NUMBER_OR_STRING_FIELDS = ['prevented_volume', 'prevented_locked'] as const;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * The one place where a number-or-string field becomes a number: myOrder `prevented_volume` and
 * `prevented_locked` are Double in the DEFAULT example of https://docs.upbit.com/kr/reference/websocket-myorder
 * and String in another of Upbit's tables. A decimal string is read as the number it spells
 * (as precise as the other volumes, which are numbers on the wire); anything else is invalid.
 */
function readMyOrder(fields: Record<string, unknown>): string | undefined {
  for (const name of NUMBER_OR_STRING_FIELDS) {
    const value = fields[name];
    if (value == null || typeof value === 'number') continue;
    if (typeof value !== 'string' || !DECIMAL_TEXT.test(value)) return `${name} is ${describe(value)}, not a number`;
    fields[name] = Number(value);
  }
  return undefined;
}

function readError(error: unknown): Outcome {
  if (!isRecord(error) || typeof error.name !== 'string') return 'error frame has no name';
  const { name, message = '' } = error;
  if (typeof message !== 'string') return 'error message is not a string';
  return { kind: 'error', name, message };
}

/**
 * The LIST_SUBSCRIPTIONS reply (https://docs.upbit.com/kr/reference/list-subscriptions). The page
 * types `ticket` as Long though its example shows a string, so a number is read as its decimal
 * text, digit for digit from the frame (a Long may pass 2^53). An entry of a type upstate does not
 * know (Upbit documents newer ones, such as `announcement`, `indicator`, `indicator_signal`) is
 * left out; the rest of the reply still decodes.
 */
function readSubscriptions(value: Record<string, unknown>, text: string): Outcome {
  const reply = value.method !== undefined ? value : listReplyFromSimple(value);
  if (reply.method !== 'LIST_SUBSCRIPTIONS') return `unknown method ${describe(reply.method)}`;
  const { ticket, result } = reply;
  if (typeof ticket !== 'string' && typeof ticket !== 'number') return `ticket is ${describe(ticket)}`;
  if (!Array.isArray(result)) return 'result is not an array';
  const listed: ListedSubscription[] = [];
  for (const [index, entry] of result.entries()) {
    const subscription = readListedSubscription(entry);
    if (typeof subscription === 'string') return `result[${index}]: ${subscription}`;
    if (subscription !== undefined) listed.push(subscription);
  }
  return { kind: 'subscriptions', ticket: typeof ticket === 'string' ? ticket : ticketText(ticket, text, value.method === undefined), result: listed };
}

/** A numeric ticket as written in the frame, or its double's text if the frame spells it otherwise. */
function ticketText(ticket: number, text: string, simple: boolean): string {
  return digitsAfter(text, simple ? SIMPLE_TICKET : DEFAULT_TICKET, 0, ticket)?.digits ?? String(ticket);
}

const DEFAULT_TICKET = keyPattern('ticket', 'cket"');
const SIMPLE_TICKET = keyPattern(LIST_SUBSCRIPTIONS_KEYS.ticket, 'ckt"');

/** One entry of the reply; `undefined` for an entry of a type upstate does not know. */
function readListedSubscription(entry: unknown): ListedSubscription | string | undefined {
  if (!isRecord(entry)) return 'not an object';
  const { type, codes, level } = entry;
  if (typeof type !== 'string') return `type is ${describe(type)}`;
  if (!isDataType(type)) return undefined;
  if (codes != null && !(Array.isArray(codes) && codes.every((code) => typeof code === 'string'))) {
    return 'codes is not a list of strings';
  }
  if (level != null && typeof level !== 'number') return `level is ${describe(level)}`;
  return {
    type,
    ...(codes != null && { codes: codes as string[] }),
    ...(level != null && { level }),
  };
}

/** Frames arrive as Buffer (ws in Node), ArrayBuffer (browsers with binaryType "arraybuffer") or text. */
function toText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return undefined;
}

function invalid(reason: string, text: string): DecodedFrame {
  const raw = text.length > MAX_RAW_LENGTH ? `${text.slice(0, MAX_RAW_LENGTH)}…` : text;
  return { kind: 'invalid', reason, raw };
}
