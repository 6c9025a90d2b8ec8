/**
 * Readers of what the embedded exchange received and holds, in the form a test compares with the
 * desired state: sorted `type code` strings.
 */
import type { ParsedTypeField } from '../../src/protocol/upbit/types.js';
import type { ConnectionInfo, ExchangeHandle, RequestRecord } from '../../src/sim/index.js';
import { waitUntil } from './wait.js';

/** Subscription requests (not PINGs, lists or rejected ones) the exchange received, in order. */
export function subscribeRequests(exchange: ExchangeHandle, connectionId?: string): RequestRecord[] {
  return exchange.requests.filter(
    (record) =>
      record.result.ok && record.result.kind === 'subscribe' && (connectionId === undefined || record.connectionId === connectionId),
  );
}

/** The parsed fields of a subscription request. */
export function fieldsOf(record: RequestRecord): readonly ParsedTypeField[] {
  if (!record.result.ok || record.result.kind !== 'subscribe') throw new Error(`not a subscription: ${record.text}`);
  return record.result.fields;
}

/**
 * What a subscription streams in realtime, as sorted `type code` strings (orderbooks:
 * `orderbook code.depth@level`): the set to compare with the desired state.
 */
export function realtimeStreams(fields: readonly ParsedTypeField[]): string[] {
  return streamsOf(fields.filter((field) => field.realtime));
}

/** Every stream a subscription names, realtime or snapshot, as sorted unique strings. */
export function streamsOf(fields: readonly ParsedTypeField[]): string[] {
  const streams = new Set<string>();
  for (const field of fields) {
    for (const { code, depth } of field.codes ?? [{ code: '*' }]) {
      streams.add(field.type === 'orderbook' ? `orderbook ${code}.${depth ?? 30}@${field.level ?? 0}` : `${field.type} ${code}`);
    }
  }
  return [...streams].sort();
}

/** The open public connections of the exchange. */
export function publicConnections(exchange: ExchangeHandle): ConnectionInfo[] {
  return exchange.connections().filter((connection) => connection.kind === 'public');
}

/** The one open connection of `kind`; fails the test when there is not exactly one. */
export function onlyConnection(exchange: ExchangeHandle, kind: 'public' | 'private' = 'public'): ConnectionInfo {
  const open = exchange.connections().filter((connection) => connection.kind === kind);
  if (open.length !== 1) throw new Error(`expected one open ${kind} connection, found ${open.length}`);
  return open[0]!;
}

/**
 * The subscription request that follows the first `already` ones (on any connection), once the
 * exchange has it. Counting, not listening, so a request that arrived before the call counts too.
 */
export async function nextSubscription(exchange: ExchangeHandle, already: number): Promise<RequestRecord> {
  await waitUntil(() => subscribeRequests(exchange).length > already, [[exchange, 'request']], `subscription request #${already + 1}`);
  return subscribeRequests(exchange)[already]!;
}
