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
 */
import { describe } from '../../errors.js';
import { fromSimple, listReplyFromSimple } from './keys.js';
import type { DecodedFrame, ListedSubscription, UpbitMessage } from './types.js';
import { isRecord } from './json.js';
import { isDataType } from './types.js';

/** An `invalid` frame keeps at most this many characters of the offending text. */
export const MAX_RAW_LENGTH = 256;

/** Turns one inbound frame into a `DecodedFrame`. Never throws: bad input is `kind: 'invalid'`. */
export function decodeFrame(data: Buffer | ArrayBuffer | Uint8Array | string): DecodedFrame {
  const text = toText(data);
  if (text === undefined) return invalid(`frame is ${describe(data)}, not text or bytes`, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('frame is not JSON', text);
  }
  const frame = Array.isArray(value) ? decodeList(value) : decodeObject(value);
  return typeof frame === 'string' ? invalid(frame, text) : frame;
}

/** A decoded frame, or why the frame is invalid. */
type Outcome = DecodedFrame | string;

function decodeObject(value: unknown): Outcome {
  if (!isRecord(value)) return 'frame is neither a JSON object nor an array';
  if (value.type !== undefined || value.ty !== undefined) {
    const message = readMessage(value);
    return typeof message === 'string' ? message : { kind: 'message', message };
  }
  if (value.error !== undefined) return readError(value.error);
  if (value.status !== undefined) {
    return typeof value.status === 'string' ? { kind: 'status', status: value.status } : 'status is not a string';
  }
  if (value.method !== undefined || value.mthd !== undefined) return readSubscriptions(value);
  return 'frame is not a known Upbit message';
}

function decodeList(items: readonly unknown[]): Outcome {
  const messages: UpbitMessage[] = [];
  for (const [index, item] of items.entries()) {
    const message = isRecord(item) ? readMessage(item) : 'not an object';
    if (typeof message === 'string') return `list item ${index}: ${message}`;
    messages.push(message);
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
  return fields as unknown as UpbitMessage;
}

function readError(error: unknown): Outcome {
  if (!isRecord(error) || typeof error.name !== 'string') return 'error frame has no name';
  const { name, message = '' } = error;
  if (typeof message !== 'string') return 'error message is not a string';
  return { kind: 'error', name, message };
}

/**
 * The LIST_SUBSCRIPTIONS reply (https://docs.upbit.com/kr/reference/list-subscriptions). The page
 * types `ticket` as Long though its example shows a string, so a number is read as its decimal text.
 */
function readSubscriptions(value: Record<string, unknown>): Outcome {
  const reply = value.method !== undefined ? value : listReplyFromSimple(value);
  if (reply.method !== 'LIST_SUBSCRIPTIONS') return `unknown method ${describe(reply.method)}`;
  const { ticket, result } = reply;
  if (typeof ticket !== 'string' && typeof ticket !== 'number') return `ticket is ${describe(ticket)}`;
  if (!Array.isArray(result)) return 'result is not an array';
  const listed: ListedSubscription[] = [];
  for (const [index, entry] of result.entries()) {
    const subscription = readListedSubscription(entry);
    if (typeof subscription === 'string') return `result[${index}]: ${subscription}`;
    listed.push(subscription);
  }
  return { kind: 'subscriptions', ticket: String(ticket), result: listed };
}

function readListedSubscription(entry: unknown): ListedSubscription | string {
  if (!isRecord(entry)) return 'not an object';
  const { type, codes, level } = entry;
  if (!isDataType(type)) return `unknown type ${describe(type)}`;
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
