import type { ConnectionStats, LinkState } from '../machines/connection.machine.js';
import type { FlushState, FlushStats } from '../machines/flush.machine.js';
import type { UpstateError } from './errors.js';
import type { ConnectionId } from './protocol/upbit/types.js';

export type { FlushState, LinkState };

/** One connection, as `stats()` reports it. */
export interface ConnectionReport extends ConnectionStats, FlushStats {
  readonly link: LinkState;
  readonly flush: FlushState;
  /** The last failure: an HTTP status, a close code or an Upbit error name. Never a secret. */
  readonly lastError: string | undefined;
  /** Message tokens left right now in the tightest window; undefined with a custom `messageGate`. */
  readonly headroom: number | undefined;
  /** Frames received on this connection's sockets so far. */
  readonly framesReceived: number;
  /** Frames on this connection that could not be decoded. */
  readonly decodeErrors: number;
}

export interface OrchestratorStats extends FlushStats {
  /** Share of changes absorbed by a pending flush: `changesAbsorbed / changes`. */
  readonly batchEfficiency: number;
  /** Changes per flush: `changes / flushesStarted`. */
  readonly averageBatchSize: number;
  readonly connectionsOpened: number;
  readonly reconnects: number;
  /** Live subscriptions and registered components. */
  readonly subscribers: number;
  /** Messages handed to handlers. */
  readonly deliveries: number;
  /**
   * A report per connection that runs, by connection id: `public` and `private` always, then each
   * further public shard (`public-2`, …) while it runs. The totals above include shards already closed.
   */
  readonly connections: ConnectionReports;
}

/** `stats().connections`: the first public connection and the private one always, public shards while they run. */
export type ConnectionReports = Readonly<{ public: ConnectionReport; private: ConnectionReport } & { [connection: `public-${number}`]: ConnectionReport }>;


export interface OrchestratorEvents {
  /** A connection's link or flush state changed. `connection` is `'public'`, `'private'` or a shard (`'public-2'`, …). */
  state: [connection: ConnectionId, link: LinkState, flush: FlushState];
  /** A subscription message went out; `messagesSent` counts them on this connection. */
  flush: [connection: ConnectionId, messagesSent: number];
  open: [connection: ConnectionId];
  close: [connection: ConnectionId];
  /** A link failed and will be retried; `attempt` counts consecutive failures. */
  reconnecting: [connection: ConnectionId, attempt: number];
  error: [error: UpstateError];
}

/** Counters of connections that are gone (stopped shards), kept so that totals never go down. */
export type Retired = Record<keyof FlushStats | 'opened' | 'reconnects', number>;

/** `stats()` from each running connection's report, the counters of those gone, and the router's and registry's figures. */
export function summarize(
  reports: readonly (readonly [connection: ConnectionId, report: ConnectionReport])[],
  retired: Retired,
  figures: { readonly subscribers: number; readonly deliveries: number },
): OrchestratorStats {
  const totals = { ...retired };
  const connections: Record<string, ConnectionReport> = {};
  for (const [connection, report] of reports) {
    connections[connection] = report;
    for (const key of Object.keys(totals) as (keyof Retired)[]) totals[key] += report[key];
  }
  const { opened, reconnects, ...flush } = totals;
  return {
    ...flush,
    batchEfficiency: flush.changes === 0 ? 0 : flush.changesAbsorbed / flush.changes,
    averageBatchSize: flush.flushesStarted === 0 ? 0 : flush.changes / flush.flushesStarted,
    connectionsOpened: opened,
    reconnects,
    ...figures,
    connections: connections as ConnectionReports,
  };
}
