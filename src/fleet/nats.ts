/**
 * One way to reach NATS for both sides of a fleet: a URL, a list of URLs, or the official
 * client's connection options. Both sides reconnect forever by default: a NATS restart is an
 * outage to ride out, not an end.
 */
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { OptionError } from '../errors.js';

/** `nats://host:4222`, a list of them, or `@nats-io/transport-node` connection options. */
export type NatsTarget = string | readonly string[] | NodeConnectionOptions;

/** Reconnect defaults: forever, quickly (NATS is local infrastructure). */
const RECONNECT = { maxReconnectAttempts: -1, reconnectTimeWait: 250 } as const;

export function natsOptions(target: unknown, option: string, name: string): NodeConnectionOptions {
  if (typeof target === 'string') return { ...RECONNECT, name, servers: checkUrl(target, option) };
  if (Array.isArray(target)) {
    if (target.length === 0) throw new OptionError(option, target, 'at least one NATS server URL');
    return { ...RECONNECT, name, servers: target.map((url: unknown, i) => checkUrl(url, `${option}[${i}]`)) };
  }
  if (typeof target === 'object' && target !== null) return { ...RECONNECT, name, ...(target as NodeConnectionOptions) };
  throw new OptionError(option, target, "a NATS server URL ('nats://127.0.0.1:4222'), a list of them, or connection options");
}

function checkUrl(url: unknown, option: string): string {
  if (typeof url !== 'string' || !/^(nats|tls|wss?):\/\/[^\s/]+/.test(url) && !/^[^\s/:]+:\d+$/.test(url)) {
    throw new OptionError(option, url, "a NATS server URL such as 'nats://127.0.0.1:4222'");
  }
  return url;
}

export function connectNats(options: NodeConnectionOptions): Promise<NatsConnection> {
  return connect(options);
}

export type { NatsConnection };
