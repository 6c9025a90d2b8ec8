import type { InspectionEvent, Observer } from 'xstate';
import { DEFAULTS } from './defaults.js';
import { OptionError } from './errors.js';
import type { ConnectionId, ConnectionKind, DataType } from './protocol/upbit/types.js';
import type { RateGate } from './rate/gate.js';

/** Any pino-compatible logger (pino, bunyan-style, or `console`). upstate is silent without one. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface OrchestratorOptions {
  /**
   * WebSocket endpoints. Point them at `startExchange()` from `upstate/sim` in tests.
   * @default { public: 'wss://api.upbit.com/websocket/v1', private: 'wss://api.upbit.com/websocket/v1/private' }
   */
  readonly endpoints?: { readonly public?: string; readonly private?: string };
  /** API keys, needed only for `myOrder` / `myAsset`. The secret never leaves the JWT signer. */
  readonly credentials?: Credentials;
  /** How long a flush collects changes before it asks for a rate token. @default 100 */
  readonly debounceMs?: number;
  /**
   * Leading edge: a change that finds its connection's flush idle goes out as soon as the link is
   * open and a token is granted (with every change made meanwhile); changes within `debounceMs`
   * after a send are debounced as usual. `false` debounces every change. @default true
   */
  readonly leadingEdge?: boolean;
  /** Wire format. Subscribers always receive DEFAULT field names. @default 'DEFAULT' */
  readonly format?: 'DEFAULT' | 'SIMPLE';
  /** Protocol pings: quiet time before a probe, and how long a probed link may stay silent. @default { intervalMs: 30_000, timeoutMs: 10_000 } */
  readonly heartbeat?: { readonly intervalMs?: number; readonly timeoutMs?: number };
  /** Reconnect backoff (exponential, full jitter), reset after `stableMs` of open link. @default { initialMs: 500, maxMs: 30_000, stableMs: 60_000 } */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number; readonly stableMs?: number };
  /** Grace period before an open link nobody needs is closed. @default 5_000 */
  readonly lingerMs?: number;
  /** Upbit's limits. Lower them, never raise them against the real exchange. @default { connectPerSecond: 5, messagesPerSecond: 5, messagesPerMinute: 100 } */
  readonly limits?: {
    readonly connectPerSecond?: number;
    readonly messagesPerSecond?: number;
    readonly messagesPerMinute?: number;
  };
  /**
   * The pool of public connections: the public desired state is split by market code (every
   * type of a code on one connection), each connection with its own flush and message budget.
   * A new code goes to the connection with the most room; a connection opens when its first code
   * arrives (through the connect gate) and closes after `lingerMs` when its last code leaves. A
   * subscription whose new codes find no room throws `CapacityError` (`ERR_CAPACITY`).
   *
   * Upbit documents no cap on codes per connection (Binance allows 1 024 streams per connection,
   * Bybit 10 args per request); the embedded exchange refuses a request of more than 4 096 codes.
   * `codesPerConnection` counts market codes, not streams: a request carries up to codes × types.
   * @default { codesPerConnection: 500, publicConnections: 16 } — 500 codes of eight types stay under
   * 4 096; 16 connections hold 8 000 codes (Upbit lists about 700 markets) and open in ~3 s at 5/s.
   */
  readonly pool?: { readonly codesPerConnection?: number; readonly publicConnections?: number };
  /**
   * The gate every connection attempt passes. Upbit counts attempts per IP (or account), so by
   * default all orchestrators in the process share one; pass your own to share it wider.
   * @default a process-wide sliding window of `limits.connectPerSecond` per second
   */
  readonly connectGate?: RateGate;
  /**
   * Makes the gate every subscription message on one connection passes (Upbit: 5/s and 100/min
   * per connection). Called once per connection, with its kind and its id (`'public'`,
   * `'public-2'`, …, `'private'`); a public shard opened again later gets a new gate.
   * @default a sliding window of `limits.messagesPerSecond` per second and `limits.messagesPerMinute` per minute
   */
  readonly messageGate?: (kind: ConnectionKind, connection: ConnectionId) => RateGate;
  /** Data types whose latest value is cached per code for late joiners. @default ['ticker', 'orderbook'] */
  readonly cacheTypes?: readonly DataType[];
  /** XState inspection observer (e.g. `createBrowserInspector().inspect` or @statelyai/inspect's server). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** A pino-compatible logger. @default silent */
  readonly logger?: Logger;
  /** Source of randomness for the backoff jitter. @default Math.random */
  readonly random?: () => number;
}

export const UPBIT_ENDPOINTS = {
  public: 'wss://api.upbit.com/websocket/v1',
  private: 'wss://api.upbit.com/websocket/v1/private',
} as const;

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly endpoints: { readonly public: string; readonly private: string };
  readonly credentials: Credentials | undefined;
  readonly debounceMs: number;
  readonly leadingEdge: boolean;
  readonly format: 'DEFAULT' | 'SIMPLE';
  readonly heartbeat: { readonly intervalMs: number; readonly timeoutMs: number };
  readonly backoff: { readonly initialMs: number; readonly maxMs: number; readonly stableMs: number };
  readonly lingerMs: number;
  readonly limits: { readonly connectPerSecond: number; readonly messagesPerSecond: number; readonly messagesPerMinute: number };
  readonly connectGate: RateGate | undefined;
  readonly messageGate: ((kind: ConnectionKind, connection: ConnectionId) => RateGate) | undefined;
  readonly pool: { readonly codesPerConnection: number; readonly publicConnections: number };
  readonly cacheTypes: readonly DataType[];
  readonly inspect: OrchestratorOptions['inspect'];
  readonly logger: Logger;
  readonly random: () => number;
}

const noop = (): void => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** The longest delay a timer honours: past it, Node fires at once (and warns) instead of waiting. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function duration(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_TIMER_MS) {
    throw new OptionError(name, v, `a number of milliseconds from 0 to ${MAX_TIMER_MS}`);
  }
  return v;
}

function count(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new OptionError(name, v, 'a whole number >= 1');
  }
  return v;
}

function endpoint(name: string, value: string | undefined, fallback: string): string {
  const v = value ?? fallback;
  if (typeof v !== 'string' || !/^wss?:\/\/./.test(v)) {
    throw new OptionError(name, v, 'a ws:// or wss:// URL');
  }
  return v;
}

function object<T>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw new OptionError(name, value, 'an object');
  return value;
}

/** Fills in defaults, then validates every option; throws `OptionError` naming the first bad one. */
export function resolveOptions(options: OrchestratorOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new OptionError('options', options, 'an object');
  const endpoints = object('endpoints', options.endpoints);
  const heartbeat = object('heartbeat', options.heartbeat);
  const backoff = object('backoff', options.backoff);
  const limits = object('limits', options.limits);
  const pool = object('pool', options.pool);

  const credentials = options.credentials;
  if (credentials !== undefined) {
    const ok =
      typeof credentials === 'object' &&
      credentials !== null &&
      typeof credentials.accessKey === 'string' &&
      credentials.accessKey.length > 0 &&
      typeof credentials.secretKey === 'string' &&
      credentials.secretKey.length > 0;
    // Never echo the secret back in the error.
    if (!ok) throw new OptionError('credentials', '[redacted]', 'an object with non-empty `accessKey` and `secretKey` strings');
  }

  const format = options.format ?? 'DEFAULT';
  if (format !== 'DEFAULT' && format !== 'SIMPLE') throw new OptionError('format', format, "'DEFAULT' or 'SIMPLE'");
  if (options.leadingEdge !== undefined && typeof options.leadingEdge !== 'boolean') {
    throw new OptionError('leadingEdge', options.leadingEdge, 'a boolean');
  }

  const resolved: ResolvedOptions = {
    endpoints: {
      public: endpoint('endpoints.public', endpoints.public, UPBIT_ENDPOINTS.public),
      private: endpoint('endpoints.private', endpoints.private, UPBIT_ENDPOINTS.private),
    },
    credentials,
    debounceMs: duration('debounceMs', options.debounceMs, DEFAULTS.debounceMs),
    leadingEdge: options.leadingEdge ?? DEFAULTS.leadingEdge,
    format,
    heartbeat: {
      intervalMs: duration('heartbeat.intervalMs', heartbeat.intervalMs, DEFAULTS.heartbeat.intervalMs),
      timeoutMs: duration('heartbeat.timeoutMs', heartbeat.timeoutMs, DEFAULTS.heartbeat.timeoutMs),
    },
    backoff: {
      initialMs: duration('backoff.initialMs', backoff.initialMs, DEFAULTS.backoff.initialMs),
      maxMs: duration('backoff.maxMs', backoff.maxMs, DEFAULTS.backoff.maxMs),
      stableMs: duration('backoff.stableMs', backoff.stableMs, DEFAULTS.backoff.stableMs),
    },
    lingerMs: duration('lingerMs', options.lingerMs, DEFAULTS.lingerMs),
    limits: {
      connectPerSecond: count('limits.connectPerSecond', limits.connectPerSecond, DEFAULTS.limits.connectPerSecond),
      messagesPerSecond: count('limits.messagesPerSecond', limits.messagesPerSecond, DEFAULTS.limits.messagesPerSecond),
      messagesPerMinute: count('limits.messagesPerMinute', limits.messagesPerMinute, DEFAULTS.limits.messagesPerMinute),
    },
    connectGate: options.connectGate,
    messageGate: options.messageGate,
    pool: {
      codesPerConnection: count('pool.codesPerConnection', pool.codesPerConnection, DEFAULTS.pool.codesPerConnection),
      publicConnections: count('pool.publicConnections', pool.publicConnections, DEFAULTS.pool.publicConnections),
    },
    cacheTypes: options.cacheTypes ?? ['ticker', 'orderbook'],
    inspect: options.inspect,
    logger: options.logger ?? silentLogger,
    random: options.random ?? Math.random,
  };
  if (resolved.backoff.maxMs < resolved.backoff.initialMs) {
    throw new OptionError('backoff.maxMs', resolved.backoff.maxMs, `>= backoff.initialMs (${resolved.backoff.initialMs})`);
  }
  if (resolved.heartbeat.intervalMs === 0) throw new OptionError('heartbeat.intervalMs', 0, 'a number of milliseconds > 0');
  // A probe cannot be answered in no time: 0 would take every link for dead at its first probe.
  if (resolved.heartbeat.timeoutMs === 0) throw new OptionError('heartbeat.timeoutMs', 0, 'a number of milliseconds > 0');
  if (!Array.isArray(resolved.cacheTypes)) throw new OptionError('cacheTypes', resolved.cacheTypes, 'an array of data types');
  if (resolved.logger !== silentLogger) {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      if (typeof resolved.logger[level] !== 'function') throw new OptionError(`logger.${level}`, resolved.logger[level], 'a function');
    }
  }
  for (const name of ['connectGate', 'messageGate'] as const) {
    const gate = resolved[name];
    if (gate !== undefined && (name === 'messageGate' ? typeof gate !== 'function' : typeof (gate as RateGate).acquire !== 'function')) {
      throw new OptionError(name, gate, name === 'messageGate' ? 'a function returning a RateGate' : 'a RateGate');
    }
  }
  if (typeof resolved.random !== 'function') throw new OptionError('random', resolved.random, 'a function returning [0, 1)');
  return resolved;
}
