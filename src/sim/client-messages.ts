/**
 * What the exchange does with one client message, in Upbit's order: the message-rate check, the
 * text PING, then the request itself (`parseRequest`). A rejected request is answered with an error
 * frame and changes nothing; an accepted subscription replaces the connection's whole
 * subscription and format, then the snapshots it asks for are sent at once.
 */
import type { RawData } from 'ws';
import { type ParseRequestOptions, parseRequest } from '../protocol/upbit/request.js';
import type { ParsedTypeField } from '../protocol/upbit/types.js';
import { isPrivateType } from '../protocol/upbit/types.js';
import type { SimConnection } from './connection.js';
import { encodeMessages, listSubscriptionsFrame } from './frames.js';
import type { CloseCause, ExchangeCounters, RefusalName, RequestOutcome, RequestRecord } from './handle.js';
import type { MarketData } from './market-data.js';
import { Subscription } from './subscription.js';

export interface ClientMessageContext {
  readonly counters: ExchangeCounters;
  readonly markets: MarketData;
  /** Where the exchange reads requests as observed rather than as documented (lower-case codes). */
  readonly requestOptions: ParseRequestOptions;
  /** Stores and announces what was made of a message. */
  record(record: RequestRecord): void;
  /** Announces a message lost to the silence fault. */
  swallowed(connection: SimConnection, kind: 'message' | 'ping'): void;
  /** The error to refuse this subscription request with, if a `refuseRequests` fault is pending. */
  takeRefusal(): RefusalName | undefined;
  /** Ends a connection with a close frame. */
  end(connection: SimConnection, code: number, reason: string, cause: CloseCause): void;
}

/** Close code after a rate-limit breach: 1008 policy violation (Upbit does not document one). */
export const RATE_LIMIT_CLOSE_CODE = 1008;

export function handleClientMessage(connection: SimConnection, data: RawData, context: ClientMessageContext): void {
  if (connection.closing) return;
  const { counters } = context;
  if (connection.silenced) {
    // Half-open: the message is lost on the way, the server never sees it.
    context.swallowed(connection, 'message');
    return;
  }
  const at = Date.now();
  connection.touch();
  counters.messagesReceived++;
  const text = textOf(data);
  const record = (result: RequestOutcome): void =>
    context.record({ at, connectionId: connection.id, path: connection.path, text, result });

  // Every message counts, PING included: Upbit limits "messages sent" per connection, whatever they carry.
  if (!connection.admitMessage(at)) {
    const message = 'too many requests: over the per-connection message limit';
    counters.messagesRejected++;
    counters.closedForRate++;
    connection.sendError('TOO_MANY_REQUESTS', message);
    context.end(connection, RATE_LIMIT_CLOSE_CODE, 'too many requests', 'rate');
    record({ ok: false, error: 'TOO_MANY_REQUESTS', message });
    return;
  }

  if (text === 'PING') {
    connection.answerPing();
    record({ ok: true, kind: 'ping' });
    return;
  }

  const parsed = parseRequest(text, context.requestOptions);
  if (!parsed.ok) {
    reject(connection, counters, parsed.error, parsed.message);
    record(parsed);
    return;
  }

  if (parsed.kind === 'list') {
    // Asking in another format switches the live streams to it (Upbit's LIST_SUBSCRIPTIONS page).
    if (parsed.format !== undefined) connection.format = parsed.format;
    connection.send([listSubscriptionsFrame(parsed.ticket, connection.subscription.listing(), connection.format)]);
    record(parsed);
    return;
  }

  const refusal = context.takeRefusal();
  if (refusal !== undefined) {
    const message = 'refused on demand (faults.refuseRequests)';
    reject(connection, counters, refusal, message);
    record({ ok: false, error: refusal, message });
    return;
  }

  const misplaced = misplacedField(connection, parsed.fields);
  if (misplaced !== undefined) {
    reject(connection, counters, misplaced.error, misplaced.message);
    record({ ok: false, ...misplaced });
    return;
  }

  connection.subscription = new Subscription(parsed.fields);
  connection.format = parsed.format;
  const snapshots = connection.subscription.snapshots.flatMap((target) => context.markets.snapshot(target) ?? []);
  connection.send(encodeMessages(snapshots, connection.format));
  record(parsed);
}

function reject(
  connection: SimConnection,
  counters: ExchangeCounters,
  error: Parameters<SimConnection['sendError']>[0],
  message: string,
): void {
  counters.messagesRejected++;
  connection.sendError(error, message);
}

/**
 * Private types need the authenticated private endpoint (Upbit answers INVALID_AUTH when they are
 * asked for without authentication); public types are not served on the private endpoint
 * (INVALID_PARAM, "unsupported value").
 */
function misplacedField(
  connection: SimConnection,
  fields: readonly ParsedTypeField[],
): { readonly error: 'INVALID_AUTH' | 'INVALID_PARAM'; readonly message: string } | undefined {
  for (const field of fields) {
    const isPrivate = isPrivateType(field.type);
    if (connection.kind === 'public' && isPrivate) {
      return { error: 'INVALID_AUTH', message: `${field.type} needs an authenticated connection to the private endpoint` };
    }
    if (connection.kind === 'private' && !isPrivate) {
      return { error: 'INVALID_PARAM', message: `${field.type} is not served on the private endpoint` };
    }
  }
  return undefined;
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
