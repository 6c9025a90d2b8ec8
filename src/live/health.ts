/**
 * The health contract, decided from `stats()` alone: healthy while every connection that has
 * something to carry is open (a `dormant` connection wants nothing and is not counted). A fleet
 * gateway adds its role: see `healthOfGateway`.
 */
import type { LinkState, OrchestratorStats } from '../orchestrator.js';
import type { GatewayStatus } from './source.js';

/**
 * Why the service is unhealthy: the link state a wanted connection is in, `stopped` when
 * `stats()` cannot be read any more (the orchestrator was closed), or `natsDisconnected` when a
 * fleet gateway has lost its NATS connection.
 */
export type UnhealthyReason = Exclude<LinkState, 'dormant' | 'open' | 'lingering'> | 'stopped' | 'natsDisconnected';

/** A gateway's part of the health answer. */
export type GatewayHealth = Pick<GatewayStatus, 'role' | 'epoch' | 'election' | 'nats'>;

export interface ConnectionHealth {
  readonly connection: string;
  readonly reason: Exclude<UnhealthyReason, 'stopped' | 'natsDisconnected'>;
  /** The last failure (HTTP status or Upbit error name), when there is one. */
  readonly lastError?: string;
}

export type Health =
  | {
      readonly status: 'ok';
      readonly connections: Readonly<Record<string, string>>;
      /** A fleet gateway's role, epoch and NATS link (only when the source is a gateway). */
      readonly gateway?: GatewayHealth;
    }
  | {
      readonly status: 'unavailable';
      /** The first failing connection's reason, for probes that read one word. */
      readonly reason: UnhealthyReason;
      readonly failing: readonly ConnectionHealth[];
      readonly connections: Readonly<Record<string, string>>;
      readonly gateway?: GatewayHealth;
    };

/**
 * `ok` when every wanted connection is open; otherwise `unavailable` with each failing
 * connection and why (`connecting`, `backoff`, `blocked`, `authFailed`). Connections are read
 * from `stats.connections` whatever their keys (`public`/`private` today, ids in a pool).
 * A flush in progress on an open link is normal work, not a failure: it is shown in
 * `connections` (`open/debouncing`) and does not fail the probe.
 */
export function healthOf(stats: Pick<OrchestratorStats, 'connections'>): Health {
  const failing: ConnectionHealth[] = [];
  const connections: Record<string, string> = {};
  for (const [connection, report] of Object.entries(stats.connections)) {
    connections[connection] = `${report.link}/${report.flush}`;
    if (report.link === 'dormant' || report.link === 'open' || report.link === 'lingering') continue;
    failing.push({ connection, reason: report.link, ...(report.lastError === undefined ? {} : { lastError: report.lastError }) });
  }
  const [first] = failing;
  return first === undefined ? { status: 'ok', connections } : { status: 'unavailable', reason: first.reason, failing, connections };
}

/**
 * A fleet gateway's health: `unavailable` (`natsDisconnected`) while its NATS connection is down,
 * whatever its role; else an active gateway is as healthy as its Upbit connections (`healthOf`),
 * and any other role is `ok`: a standby (or one between two elections) that holds its NATS
 * connection watches the lease and is ready to take over, so a probe must not restart it. The
 * role is in the answer either way.
 */
export function healthOfGateway(gateway: GatewayStatus, stats: Pick<OrchestratorStats, 'connections'>): Health {
  const summary: GatewayHealth = { role: gateway.role, epoch: gateway.epoch, election: gateway.election, nats: gateway.nats };
  if (gateway.nats !== 'connected') return { status: 'unavailable', reason: 'natsDisconnected', failing: [], connections: {}, gateway: summary };
  if (gateway.role !== 'active') return { status: 'ok', connections: {}, gateway: summary };
  return { ...healthOf(stats), gateway: summary };
}
