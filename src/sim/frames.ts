/**
 * Frames the exchange sends. Upbit sends every frame binary (UTF-8 JSON in a binary frame,
 * https://docs.upbit.com/kr/docs/websocket-best-practice), so everything here is a Buffer.
 *
 * - DEFAULT / SIMPLE: one message per frame, SIMPLE with abbreviated keys (`toSimple`).
 * - JSON_LIST / SIMPLE_LIST: a JSON array of the messages produced together (one request's
 *   snapshots, or one tick's updates for the connection).
 *
 * A message object is shared by every connection that receives it in a tick, so its encoding is
 * cached per object: N subscribers cost one `JSON.stringify`, not N. Trade ids, digit strings in
 * upstate, go out as bare 17-digit numbers, as Upbit writes them (`toWireJson`).
 */
import { listReplyToSimple, toSimple } from '../protocol/upbit/keys.js';
import type { Format, ListedSubscription, UpbitMessage } from '../protocol/upbit/types.js';
import { toWireJson } from '../protocol/upbit/wide-integers.js';

/** Error names the exchange sends: Upbit's, plus the rate-limit breach Upbit does not document. */
export type SimErrorName = 'INVALID_AUTH' | 'WRONG_FORMAT' | 'NO_TICKET' | 'NO_TYPE' | 'NO_CODES' | 'INVALID_PARAM' | 'TOO_MANY_REQUESTS';

const defaultFrames = new WeakMap<UpbitMessage, Buffer>();
const simpleFrames = new WeakMap<UpbitMessage, Buffer>();
const simpleObjects = new WeakMap<UpbitMessage, Record<string, unknown>>();

function simpleOf(message: UpbitMessage): Record<string, unknown> {
  let simple = simpleObjects.get(message);
  if (simple === undefined) {
    simple = toSimple(message);
    simpleObjects.set(message, simple);
  }
  return simple;
}

function cached(cache: WeakMap<UpbitMessage, Buffer>, message: UpbitMessage, encode: () => unknown): Buffer {
  let frame = cache.get(message);
  if (frame === undefined) {
    frame = Buffer.from(toWireJson(encode()));
    cache.set(message, frame);
  }
  return frame;
}

/** The frames carrying `messages` in `format` (none for no messages). */
export function encodeMessages(messages: readonly UpbitMessage[], format: Format): Buffer[] {
  if (messages.length === 0) return [];
  switch (format) {
    case 'DEFAULT':
      return messages.map((message) => cached(defaultFrames, message, () => message));
    case 'SIMPLE':
      return messages.map((message) => cached(simpleFrames, message, () => simpleOf(message)));
    case 'JSON_LIST':
      return [Buffer.from(toWireJson(messages))];
    case 'SIMPLE_LIST':
      return [Buffer.from(toWireJson(messages.map(simpleOf)))];
  }
}

export function errorFrame(name: SimErrorName, message: string): Buffer {
  return Buffer.from(JSON.stringify({ error: { name, message } }));
}

/** The answer to a text `PING`, then every 10 s. */
export const STATUS_UP_FRAME: Buffer = Buffer.from(JSON.stringify({ status: 'UP' }));

/**
 * The LIST_SUBSCRIPTIONS reply in the connection's format: DEFAULT names for DEFAULT and
 * JSON_LIST, SIMPLE names (`mthd`, `rslt`, `ty`, `cds`, `lv`, `tckt`) for SIMPLE and SIMPLE_LIST.
 * It is a single object in every format (Upbit documents no list form of it).
 */
export function listSubscriptionsFrame(ticket: string, result: readonly ListedSubscription[], format: Format): Buffer {
  const reply = { method: 'LIST_SUBSCRIPTIONS', result, ticket } as const;
  const simple = format === 'SIMPLE' || format === 'SIMPLE_LIST';
  return Buffer.from(JSON.stringify(simple ? listReplyToSimple(reply) : reply));
}

/** A frame no decoder can read: a truncated JSON object, as a broken proxy might deliver. */
export const MALFORMED_FRAME: Buffer = Buffer.from('{"type":"ticker","code":"KRW-BTC","trade_price":');
