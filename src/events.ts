import type { ConnectionStats, LinkState } from '../machines/connection.machine.js';
import type { FlushState, FlushStats } from '../machines/flush.machine.js';
import type { UpstateError } from './errors.js';
import type { ConnectionKind } from './protocol/upbit/types.js';

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
  readonly connections: Readonly<Record<ConnectionKind, ConnectionReport>>;
}

export interface OrchestratorEvents {
  /** A connection's link or flush state changed. */
  state: [kind: ConnectionKind, link: LinkState, flush: FlushState];
  /** A subscription message went out; `messagesSent` counts them on this connection. */
  flush: [kind: ConnectionKind, messagesSent: number];
  open: [kind: ConnectionKind];
  close: [kind: ConnectionKind];
  /** A link failed and will be retried; `attempt` counts consecutive failures. */
  reconnecting: [kind: ConnectionKind, attempt: number];
  error: [error: UpstateError];
}
