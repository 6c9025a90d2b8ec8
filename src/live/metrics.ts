/**
 * Prometheus metrics for an orchestrator, through prom-client. Nothing is counted twice: every
 * figure is read from `stats()` when the registry is scraped (prom-client's `collect`), and the
 * metrics live in a registry of the caller's (or a fresh one), never in prom-client's global
 * default registry. prom-client is an optional peer, loaded when metrics are first registered.
 */
import type { Registry } from 'prom-client';
import { OptionError } from '../errors.js';
import { importPeer, type OptionalPeer } from '../optional.js';
import { LINK_STATES } from '../../machines/connection.machine.js';
import { FLUSH_STATES } from '../../machines/flush.machine.js';
import { GATEWAY_ROLES } from '../../machines/gateway-role.machine.js';
import type { ConnectionReport, OrchestratorStats } from '../orchestrator.js';
import type { GatewayStatus, LiveSource } from './source.js';

/**
 * A prom-client `Registry`, as far as upstate uses one. Declared here so that upstate's published
 * types do not need prom-client: a user without metrics never installs it.
 */
export interface MetricsRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

/** prom-client, for `registerMetrics` and the live view's `/metrics`. */
export const METRICS_PEER: OptionalPeer<typeof import('prom-client')> = {
  feature: 'Prometheus metrics (registerMetrics)',
  packages: ['prom-client'],
  load: () => import('prom-client'),
};

export interface MetricsOptions<R extends MetricsRegistry = MetricsRegistry> {
  /** The registry (prom-client's `Registry`) to add the metrics to. @default a new `Registry` (never the global default) */
  readonly registry?: R;
  /** Put before every metric name. @default 'upstate_' */
  readonly prefix?: string;
}

export interface Metrics<R extends MetricsRegistry = MetricsRegistry> {
  readonly registry: R;
  /** Takes the metrics out of the registry again. */
  remove(): void;
}


type NumericKey = { [K in keyof ConnectionReport]: ConnectionReport[K] extends number ? K : never }[keyof ConnectionReport];

/** Counters per connection: metric name (without prefix), help text, the `ConnectionReport` field. */
const CONNECTION_COUNTERS: readonly (readonly [name: string, help: string, field: NumericKey])[] = [
  ['flushes_started_total', 'Flushes started: a change found no flush pending (pending_task_created in the Python original).', 'flushesStarted'],
  ['changes_total', 'Changes to the desired state seen by the flush, absorbed or not.', 'changes'],
  ['changes_absorbed_total', 'Changes absorbed by a flush already pending (pending_task_skipped in the Python original).', 'changesAbsorbed'],
  ['messages_sent_total', 'Subscription messages written to the socket.', 'messagesSent'],
  ['rate_limit_waits_total', 'Times a flush waited on the message rate gate.', 'rateWaits'],
  ['duplicates_prevented_total', 'Flushes that ended without a send because the server already had the desired state.', 'duplicatesPrevented'],
  ['send_failures_total', 'Sends that failed and were retried.', 'sendFailures'],
  ['refusals_total', 'Subscription requests the exchange answered with an error frame.', 'refusals'],
  ['connections_opened_total', 'Sockets opened.', 'opened'],
  ['reconnects_total', 'Sockets opened again after the first.', 'reconnects'],
  ['link_failures_total', 'Connection attempts or open links that failed.', 'failures'],
  ['frames_received_total', 'Frames received from the exchange.', 'framesReceived'],
  ['decode_errors_total', 'Frames that could not be decoded.', 'decodeErrors'],
];

type GatewayCount = { [K in keyof GatewayStatus]: GatewayStatus[K] extends number ? K : never }[keyof GatewayStatus];

/** A fleet gateway's counters (names without prefix), read from `source.gateway()`. */
const GATEWAY_COUNTERS: readonly (readonly [name: string, help: string, field: GatewayCount])[] = [
  ['gateway_takeovers_total', 'Times this gateway became active (took the lease).', 'takeovers'],
  ['gateway_step_downs_total', 'Times this gateway lost the lease while active (taken by another, or its term ran out).', 'stepDowns'],
  ['gateway_lease_renewals_failed_total', 'Renewals of the active lease that failed (unanswered, or the lease was gone).', 'renewalsFailed'],
  ['gateway_frames_published_total', 'Frames this gateway published to NATS.', 'published'],
  ['gateway_announcements_total', 'Demand announcements received from fleet clients.', 'announcements'],
  ['gateway_announcements_refused_total', 'Announcements refused (bad specs, private streams without credentials).', 'refused'],
  ['gateway_demands_expired_total', 'Demands dropped because their client stopped renewing them.', 'expired'],
];

/** A fleet gateway's gauges (names without prefix). */
const GATEWAY_GAUGES: readonly (readonly [name: string, help: string, value: (status: GatewayStatus) => number])[] = [
  ['gateway_epoch', 'Epoch of the lease this gateway holds or held last (grows with every takeover; 0 without JetStream).', (g) => g.epoch],
  ['gateway_nats_connected', '1 while the gateway holds its NATS connection, 0 while it is reconnecting or closed.', (g) => (g.nats === 'connected' ? 1 : 0)],
  ['gateway_clients', 'Distinct fleet clients holding a demand lease.', (g) => g.clients],
  ['gateway_demands', 'Demands (client × connection kind) holding a lease.', (g) => g.demands],
];

/**
 * Adds upstate's metrics for `source` to a registry and returns it. Names (with the default
 * prefix) and meanings are listed in docs/observability.md. Throws `OptionError` if the registry
 * already holds a metric of the same name (two orchestrators need two prefixes), and
 * `PeerMissingError` (`ERR_PEER_MISSING`) without prom-client installed.
 */
export async function registerMetrics<R extends MetricsRegistry = MetricsRegistry>(source: LiveSource, options: MetricsOptions<R> = {}): Promise<Metrics<R>> {
  const { Counter, Gauge, Registry } = await importPeer(METRICS_PEER);
  const registry = (options.registry ?? new Registry()) as unknown as Registry;
  const prefix = options.prefix ?? 'upstate_';
  if (!(registry instanceof Registry)) throw new OptionError('registry', registry, 'a prom-client Registry');
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix)) {
    throw new OptionError('prefix', prefix, 'a Prometheus metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)');
  }
  const names: string[] = [];
  // One read of stats() per scrape, shared by every metric's collect: a scrape collects every
  // metric within one turn of the event loop, so the read is dropped at the next turn.
  let cached: OrchestratorStats | undefined;
  const read = (): OrchestratorStats => {
    if (cached === undefined) {
      cached = source.stats();
      setImmediate(() => {
        cached = undefined;
      });
    }
    return cached;
  };
  const add = (name: string): string => {
    const full = `${prefix}${name}`;
    if (registry.getSingleMetric(full)) throw new OptionError('prefix', prefix, `a prefix not already used in this registry (${full} exists)`);
    names.push(full);
    return full;
  };

  try {
    addMetrics();
  } catch (error) {
    // All or nothing: a name that clashed halfway leaves the registry as it was.
    for (const name of names.splice(0)) registry.removeSingleMetric(name);
    throw error;
  }
  return {
    registry: registry as unknown as R,
    remove() {
      for (const name of names.splice(0)) registry.removeSingleMetric(name);
    },
  };

  function addMetrics(): void {
    for (const [name, help, field] of CONNECTION_COUNTERS) {
      new Counter({
        name: add(name),
        help,
        labelNames: ['connection'],
        registers: [registry],
        collect() {
          // Counters only go up; `stats()` holds the running totals, so each scrape sets them afresh.
          this.reset();
          for (const [connection, report] of Object.entries(read().connections)) this.inc({ connection }, report[field]);
        },
      });
    }
    new Counter({
      name: add('deliveries_total'),
      help: 'Messages handed to subscribers\' handlers.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read().deliveries);
      },
    });
    const gauge = (name: string, help: string, value: (stats: OrchestratorStats) => number): void => {
      new Gauge({
        name: add(name),
        help,
        registers: [registry],
        collect() {
          this.set(value(read()));
        },
      });
    };
    gauge('batch_efficiency', 'Share of changes absorbed by a pending flush (changes_absorbed / changes), 0 to 1.', (s) => s.batchEfficiency);
    gauge('average_batch_size', 'Changes per flush (changes / flushes_started).', (s) => s.averageBatchSize);
    gauge('subscribers', 'Live subscriptions and registered components.', (s) => s.subscribers);
    new Gauge({
      name: add('rate_headroom'),
      help: 'Message tokens left right now in the tightest rate window (absent with a custom gate).',
      labelNames: ['connection'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [connection, report] of Object.entries(read().connections)) {
          if (report.headroom !== undefined) this.set({ connection }, report.headroom);
        }
      },
    });
    const stateGauge = (name: string, help: string, states: readonly string[], of: (report: ConnectionReport) => string): void => {
      new Gauge({
        name: add(name),
        help,
        labelNames: ['connection', 'state'],
        registers: [registry],
        collect() {
          this.reset();
          for (const [connection, report] of Object.entries(read().connections)) {
            const current = of(report);
            for (const state of states) this.set({ connection, state }, state === current ? 1 : 0);
          }
        },
      });
    };
    stateGauge('link_state', 'The link state of each connection: 1 for the current state, 0 for the others.', LINK_STATES, (r) => r.link);
    stateGauge('flush_state', 'The flush state of each connection: 1 for the current state, 0 for the others.', FLUSH_STATES, (r) => r.flush);
    if (source.gateway !== undefined) addGatewayMetrics(source.gateway.bind(source));
  }

  function addGatewayMetrics(status: () => GatewayStatus): void {
    new Gauge({
      name: add('gateway_role'),
      help: "The gateway's role: 1 for the current one (electing, standby, active, deposed), 0 for the others.",
      labelNames: ['role'],
      registers: [registry],
      collect() {
        const { role } = status();
        for (const each of GATEWAY_ROLES) this.set({ role: each }, each === role ? 1 : 0);
      },
    });
    for (const [name, help, field] of GATEWAY_COUNTERS) {
      new Counter({
        name: add(name),
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(status()[field]);
        },
      });
    }
    for (const [name, help, value] of GATEWAY_GAUGES) {
      new Gauge({
        name: add(name),
        help,
        registers: [registry],
        collect() {
          this.set(value(status()));
        },
      });
    }
  }
}
