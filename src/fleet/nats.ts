/**
 * One way to reach NATS for both sides of a fleet: a URL, a list of URLs, or the official
 * client's connection options. Both sides reconnect forever by default: a NATS restart is an
 * outage to ride out, not an end. The NATS packages are optional peers (fleet mode only), loaded
 * here before either side starts anything.
 */
import { OptionError } from '../errors.js';
import { importPeer, type OptionalPeer } from '../optional.js';

/**
 * Connection options of `@nats-io/transport-node` (its `NodeConnectionOptions`), handed to its
 * `connect()` as they are. Declared here, the common ones typed, so that upstate's published
 * types do not need the NATS packages: a user who only streams never installs them.
 */
export interface NatsConnectionOptions {
  readonly servers?: string | readonly string[];
  readonly name?: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly authenticator?: unknown;
  readonly tls?: unknown;
  readonly timeout?: number;
  readonly maxReconnectAttempts?: number;
  readonly reconnectTimeWait?: number;
  readonly reconnect?: boolean;
  readonly reconnectJitter?: number;
  readonly reconnectJitterTLS?: number;
  readonly reconnectDelayHandler?: () => number;
  readonly reconnectToServer?: unknown;
  readonly waitOnFirstConnect?: boolean;
  readonly pingInterval?: number;
  readonly maxPingOut?: number;
  readonly noEcho?: boolean;
  readonly noRandomize?: boolean;
  readonly inboxPrefix?: string;
  readonly ignoreClusterUpdates?: boolean;
  readonly ignoreAuthErrorAbort?: boolean;
  readonly noAsyncTraces?: boolean;
  readonly resolve?: boolean;
  readonly debug?: boolean;
  readonly verbose?: boolean;
  readonly pedantic?: boolean;
  readonly port?: number;
}

/** `nats://host:4222`, a list of them, or `@nats-io/transport-node` connection options. */
export type NatsTarget = string | readonly string[] | NatsConnectionOptions;

/** The NATS packages fleet mode needs: the client, and JetStream KV for the gateways' lease. */
export interface FleetModules {
  readonly transport: typeof import('@nats-io/transport-node');
  readonly jetstream: typeof import('@nats-io/jetstream');
  readonly kv: typeof import('@nats-io/kv');
}

export const FLEET_PEER: OptionalPeer<FleetModules> = {
  feature: 'Fleet mode (upstate gateway, upstate/gateway, createOrchestrator({ gateway }))',
  packages: ['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/kv'],
  load: async () => {
    const [transport, jetstream, kv] = await Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream'), import('@nats-io/kv')]);
    return { transport, jetstream, kv };
  },
};

/** The NATS packages; `PeerMissingError` if one is not installed. */
export function loadFleet(): Promise<FleetModules> {
  return importPeer(FLEET_PEER);
}

/** Reconnect defaults: forever, quickly (NATS is local infrastructure). */
const RECONNECT = { maxReconnectAttempts: -1, reconnectTimeWait: 250 } as const;

/** The options `connect()` gets for `target`, with upstate's reconnect defaults; a bad target throws `OptionError`. */
export function natsOptions(target: unknown, option: string, name: string): NatsConnectionOptions {
  if (typeof target === 'string') return { ...RECONNECT, name, servers: checkUrl(target, option) };
  if (Array.isArray(target)) {
    if (target.length === 0) throw new OptionError(option, target, 'at least one NATS server URL');
    return { ...RECONNECT, name, servers: target.map((url: unknown, i) => checkUrl(url, `${option}[${i}]`)) };
  }
  if (typeof target === 'object' && target !== null) return { ...RECONNECT, name, ...(target as NatsConnectionOptions) };
  throw new OptionError(option, target, "a NATS server URL ('nats://127.0.0.1:4222'), a list of them, or connection options");
}

function checkUrl(url: unknown, option: string): string {
  if (typeof url !== 'string' || !/^(nats|tls|wss?):\/\/[^\s/]+/.test(url) && !/^[^\s/:]+:\d+$/.test(url)) {
    throw new OptionError(option, url, "a NATS server URL such as 'nats://127.0.0.1:4222'");
  }
  return url;
}
