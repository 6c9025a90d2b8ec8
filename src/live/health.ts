/**
 * The health contract, decided from `stats()` alone: healthy while every connection that has
 * something to carry is open (a `dormant` connection wants nothing and is not counted).
 */
import type { LinkState, OrchestratorStats } from '../orchestrator.js';

/**
 * Why the service is unhealthy: the link state a wanted connection is in, or `stopped` when
 * `stats()` cannot be read any more (the orchestrator was closed).
 */
export type UnhealthyReason = Exclude<LinkState, 'dormant' | 'open' | 'lingering'> | 'stopped';

export interface ConnectionHealth {
  readonly connection: string;
  readonly reason: Exclude<UnhealthyReason, 'stopped'>;
  /** The last failure (HTTP status or Upbit error name), when there is one. */
  readonly lastError?: string;
}

export type Health =
  | { readonly status: 'ok'; readonly connections: Readonly<Record<string, string>> }
  | {
      readonly status: 'unavailable';
      /** The first failing connection's reason, for probes that read one word. */
      readonly reason: UnhealthyReason;
      readonly failing: readonly ConnectionHealth[];
      readonly connections: Readonly<Record<string, string>>;
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
