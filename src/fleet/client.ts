/**
 * A fleet client: the orchestrator's API with no Upbit connection of its own. Subscriptions are
 * validated and merged locally (src/registry), announced to the gateway as whole desired states
 * with a lease, and the frames the gateway publishes on NATS are routed locally (src/router) to
 * exactly the subscribers that asked for them.
 */
import { EventEmitter } from 'eventemitter3';
import { randomUUID } from 'node:crypto';
import type { Msg, NatsConnection, NodeConnectionOptions, Subscription as NatsSubscription } from '@nats-io/transport-node';
import { ZERO_FLUSH_STATS, type FlushStats } from '../../machines/flush.machine.js';
import { OptionError, UpstateError } from '../errors.js';
import type { Logger } from '../options.js';
import type { ConnectionReport, FlushState, Handler, LinkState, OrchestratorEvents, OrchestratorStats, Subscription } from '../orchestrator.js';
import { isRecord } from '../protocol/upbit/json.js';
import { CONNECTION_KINDS, DATA_TYPES, isDataType, type ConnectionKind, type DataType, type MessageOf, type UpbitMessage } from '../protocol/upbit/types.js';
import { Registry, type Spec } from '../registry/index.js';
import { DEFAULT_CACHE_TYPES, Router } from '../router/index.js';
import type { StreamOptions } from '../stream.js';
import { emitSafely, report, type Reporting } from '../report.js';
import { Subscribers } from '../subscribers.js';
import {
  FLEET_PROTOCOL,
  specsOfDesired,
  type Announcement,
  type AnnouncementReply,
  type LastValuesReply,
  type SettledReply,
} from './demand.js';
import { type FleetModules, loadFleet, type NatsConnectionOptions, natsOptions, type NatsTarget } from './nats.js';
import { controlSubjects, EPOCH_HEADER, resolvePrefixes, streamSubject, type ControlSubjects, type Prefixes } from './subjects.js';

export interface FleetClientOptions {
  /** The NATS server(s) the gateway listens on: `'nats://127.0.0.1:4222'`, a list, or `@nats-io/transport-node` options. */
  readonly gateway: NatsTarget;
  /** Subject prefix of public streams and control subjects; the gateway's. @default 'upstate' */
  readonly prefix?: string;
  /** Subject prefix of private streams; the gateway's. @default 'upstate-private' */
  readonly privatePrefix?: string;
  /**
   * Lets `myOrder` / `myAsset` specs through. They flow only if the gateway holds credentials and
   * NATS lets this client's user use the private prefix (docs/fleet.md, Security).
   * @default false
   */
  readonly privateStreams?: boolean;
  /** How often the demand is announced again while nothing changes. @default 3_000 */
  readonly renewMs?: number;
  /**
   * How long the gateway keeps this client's demand without a renewal: after a crash, codes only
   * this client wanted leave Upbit within `leaseMs` plus the gateway's sweep (1 s) and flush.
   * @default 10_000
   */
  readonly leaseMs?: number;
  /** How long a request to the gateway may take before it counts as unanswered. @default 2_000 */
  readonly requestTimeoutMs?: number;
  /** Pause before an unanswered or refused announcement is tried again. @default 500 */
  readonly retryMs?: number;
  /** How long changes are collected before they are announced. @default 20 */
  readonly debounceMs?: number;
  /** Types whose latest value is cached per code for late joiners in this process. @default ['ticker', 'orderbook'] */
  readonly cacheTypes?: readonly DataType[];
  /** A pino-compatible logger. @default silent */
  readonly logger?: Logger;
  /**
   * Frames from a lower gateway epoch than the highest seen are dropped (a deposed gateway's) —
   * unless the highest epoch has sent nothing for this long: then the lease store was reset
   * (nats-server lost its JetStream data) and the lower epoch is the gateway now.
   * @default 10_000
   */
  readonly epochSilenceMs?: number;
}

/** The orchestrator's stats, plus what the fleet adds. */
export interface FleetClientStats extends OrchestratorStats {
  readonly fleet: {
    /** This client's id, as the gateway knows it. */
    readonly client: string;
    /** Announcements answered by the gateway (changes and renewals). */
    readonly acknowledged: number;
    /** First values received from the gateway's cache. */
    readonly lastValues: number;
    /** NATS subjects subscribed to now. */
    readonly subjects: number;
    /** The highest gateway lease epoch seen on a frame (0: none yet, or a gateway without JetStream). */
    readonly epoch: number;
    /** Frames dropped because they came from a gateway with a lower epoch (a deposed one). */
    readonly staleFrames: number;
    /** Times the publishing gateway changed (a higher epoch arrived). */
    readonly gatewayChanges: number;
  };
}

/** The gateway that publishes this client's frames changed: a standby took over. */
export interface GatewayChange {
  /** The new gateway's lease epoch. */
  readonly epoch: number;
  /** The epoch of the frames before. */
  readonly previous: number;
  /** Milliseconds between the last frame from the previous gateway and the first from this one. */
  readonly gapMs: number;
}

/** The orchestrator's events, plus `gateway` when a standby gateway took over. */
export interface FleetClientEvents extends OrchestratorEvents {
  gateway: [change: GatewayChange];
}

interface Side {
  readonly kind: ConnectionKind;
  /** Moves on every change of this kind's desired state. */
  seq: number;
  /** The last seq the gateway acknowledged. */
  acked: number;
  inFlight: boolean;
  /** The gateway answered since NATS (re)connected. */
  answered: boolean;
  /** Requests went unanswered (no gateway, NATS away). */
  failing: boolean;
  /** Refused (permissions, no credentials at the gateway): reported once per cause. */
  refusal: UpstateError | undefined;
  retry: ReturnType<typeof setTimeout> | undefined;
  stats: Record<keyof FlushStats, number>;
  /** Reported state, to emit changes only. */
  link: LinkState;
  flush: FlushState;
}

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The orchestrator API, served by a fleet gateway over NATS. Build it with `createFleetClient(options)`. */
export class FleetClient extends EventEmitter<FleetClientEvents> {
  readonly id = randomUUID();
  readonly #options: Required<Omit<FleetClientOptions, 'gateway' | 'prefix' | 'privatePrefix' | 'logger'>> & { logger: Logger };
  readonly #prefixes: Prefixes;
  /** Frames received from NATS and those that could not be decoded, per connection kind. */
  readonly #received: Record<ConnectionKind, { frames: number; undecodable: number }> = {
    public: { frames: 0, undecodable: 0 },
    private: { frames: 0, undecodable: 0 },
  };
  readonly #control: ControlSubjects;
  /** One shard per kind: the gateway's own registry splits the fleet's demand over connections. */
  readonly #registry = new Registry({ codesPerConnection: Number.MAX_SAFE_INTEGER, publicConnections: 1 });
  readonly #router: Router;
  readonly #sides: Record<ConnectionKind, Side> = { public: newSide('public'), private: newSide('private') };
  readonly #subjects = new Map<string, NatsSubscription>();
  /** New cacheable subjects whose first value may come from the gateway's cache (no live frame yet). */
  readonly #awaitingFirst = new Set<string>();
  readonly #waiters = new Set<() => void>();
  readonly #subscribers: Subscribers;
  readonly #cacheTypes: ReadonlySet<DataType>;
  #nats: NatsConnection | undefined;
  /** The NATS client's module, once loaded (its error classes tell a permission refusal). */
  #natsModule: FleetModules['transport'] | undefined;
  #natsUp = false;
  #connections = { opened: 0, reconnects: 0, failures: 0 };
  #fleetStats = { acknowledged: 0, lastValues: 0, staleFrames: 0, gatewayChanges: 0 };
  /** The highest lease epoch seen on a frame, and when the last frame arrived. */
  #epoch = -1;
  #lastFrameAt = 0;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  readonly #renew: ReturnType<typeof setInterval>;
  readonly #offRegistry: () => void;
  #closed: Promise<void> | undefined;
  /** Set the moment `close()` is called, before anything awaits. */
  #shut = false;
  #connecting: Promise<void>;

  constructor(options: FleetClientOptions) {
    super();
    if (!isRecord(options)) throw new OptionError('options', options, 'an object with at least `gateway`');
    const natsConfig = natsOptions(options.gateway, 'gateway', `upstate-client-${this.id.slice(0, 8)}`);
    this.#prefixes = resolvePrefixes(options.prefix, options.privatePrefix);
    this.#control = controlSubjects(this.#prefixes);
    const renewMs = positive(options.renewMs, 3_000, 'renewMs');
    const leaseMs = positive(options.leaseMs, 10_000, 'leaseMs');
    if (leaseMs <= renewMs) throw new OptionError('leaseMs', leaseMs, `more than \`renewMs\` (${renewMs}), or the demand lapses between renewals`);
    const cacheTypes = options.cacheTypes ?? DEFAULT_CACHE_TYPES;
    if (!Array.isArray(cacheTypes) || !cacheTypes.every(isDataType)) {
      throw new OptionError('cacheTypes', cacheTypes, `an array of data types (${DATA_TYPES.join(', ')})`);
    }
    if (options.privateStreams !== undefined && typeof options.privateStreams !== 'boolean') throw new OptionError('privateStreams', options.privateStreams, 'a boolean');
    this.#options = {
      privateStreams: options.privateStreams ?? false,
      renewMs,
      leaseMs,
      requestTimeoutMs: positive(options.requestTimeoutMs, 2_000, 'requestTimeoutMs'),
      retryMs: positive(options.retryMs, 500, 'retryMs'),
      debounceMs: nonNegative(options.debounceMs, 20, 'debounceMs'),
      cacheTypes,
      logger: options.logger ?? SILENT,
      epochSilenceMs: positive(options.epochSilenceMs, 10_000, 'epochSilenceMs'),
    };
    this.#cacheTypes = new Set(cacheTypes);
    this.#router = new Router({ cacheTypes, onError: (error) => this.#report(error) });
    this.#subscribers = new Subscribers({
      registry: this.#registry,
      router: this.#router,
      assertOpen: () => this.#assertOpen(),
      privateRefusal: this.#options.privateStreams
        ? undefined
        : 'needs `privateStreams: true` in the fleet client options (and a gateway started with credentials)',
    });
    this.#offRegistry = this.#registry.onChange((connection) => this.#onDemandChange(connection === 'private' ? 'private' : 'public'));
    this.#renew = setInterval(() => this.#renewAll(), renewMs);
    this.#connecting = this.#connect(natsConfig);
  }

  // ── the orchestrator's API ───────────────────────────────────────────────

  /** As `Orchestrator.subscribe`: synchronous; a bad spec throws `SpecError` and changes nothing. */
  subscribe<T extends DataType>(spec: Spec<T>, handler: Handler<T>): Subscription {
    return this.#subscribers.subscribe(spec, handler);
  }

  /** As `Orchestrator.stream`. */
  stream<T extends DataType>(spec: Spec<T>, options?: StreamOptions): AsyncIterableIterator<MessageOf<T>> {
    return this.#subscribers.stream(spec, options);
  }

  /** As `Orchestrator.register`: replaces everything `componentId` wants, atomically. */
  register(componentId: string, specs: readonly Spec[], handler: (message: UpbitMessage) => void): void {
    this.#subscribers.register(componentId, specs, handler);
  }

  /** As `Orchestrator.unregister`. */
  unregister(componentId: string): boolean {
    return this.#subscribers.unregister(componentId);
  }

  /**
   * Resolves once the gateway has acknowledged this client's latest demand and its own flush has
   * written it to Upbit. Rejects with `ERR_AUTH` if the demand was refused (no permission for
   * private streams, no credentials at the gateway), `ERR_CLOSED` on `close()`, `ERR_ABORTED`
   * when `signal` aborts (a fleet without a gateway never settles: bound the wait).
   */
  async settled(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    if (this.#shut) throw closedError();
    if (signal?.aborted) throw abortedError();
    for (;;) {
      await this.#until(() => this.#refusal() !== undefined || CONNECTION_KINDS.every((kind) => this.#inSync(kind)), signal);
      const refusal = this.#refusal();
      if (refusal) throw refusal;
      if (!this.#wantsAnything() && CONNECTION_KINDS.every((kind) => this.#sides[kind].seq === 0)) return;
      // Only kinds with demand: a gateway that does not hold one of them (it restarted) is behind.
      const seq: Partial<Record<ConnectionKind, number>> = {};
      for (const kind of CONNECTION_KINDS) if (this.#registry.snapshot(kind).entries.length > 0) seq[kind] = this.#sides[kind].seq;
      const reply = await this.#ask<SettledReply>(this.#control.settled, { client: this.id, seq });
      if (this.#shut) throw closedError();
      if (reply?.ok === true && CONNECTION_KINDS.every((kind) => this.#inSync(kind))) return;
      if (reply !== undefined && reply.ok === false && !reply.behind && reply.code !== 'ERR_ABORTED') {
        throw new UpstateError(reply.code, reply.message);
      }
      // The gateway lacks this demand (a new gateway, say): announce it now rather than at the next renewal.
      if (reply !== undefined && reply.ok === false && reply.behind) this.#renewAll();
      await this.#sleep(this.#options.retryMs, signal);
    }
  }

  /** Announces the demand of `kind` again at once, e.g. after NATS permissions were granted. */
  retry(kind: ConnectionKind = 'private'): void {
    this.#assertOpen();
    this.#sides[kind].refusal = undefined;
    this.#syncSubjects();
    void this.#announce(kind);
  }

  stats(): FleetClientStats {
    const totals: Record<keyof FlushStats, number> = { ...ZERO_FLUSH_STATS };
    const connections = {} as Record<ConnectionKind, ConnectionReport>;
    for (const kind of CONNECTION_KINDS) {
      const side = this.#sides[kind];
      for (const key of Object.keys(totals) as (keyof FlushStats)[]) totals[key] += side.stats[key];
      connections[kind] = {
        link: this.#linkOf(side),
        flush: this.#flushOf(side),
        lastError: side.refusal?.code ?? (side.failing ? 'no answer from the gateway' : undefined),
        headroom: undefined,
        framesReceived: this.#received[kind].frames,
        decodeErrors: this.#received[kind].undecodable,
        opened: this.#connections.opened,
        reconnects: this.#connections.reconnects,
        failures: this.#connections.failures,
        stale: 0,
        ...side.stats,
      };
    }
    return {
      ...totals,
      batchEfficiency: totals.changes === 0 ? 0 : totals.changesAbsorbed / totals.changes,
      averageBatchSize: totals.flushesStarted === 0 ? 0 : totals.changes / totals.flushesStarted,
      connectionsOpened: this.#connections.opened,
      reconnects: this.#connections.reconnects,
      subscribers: this.#registry.size,
      deliveries: this.#router.deliveries,
      connections,
      fleet: { client: this.id, ...this.#fleetStats, subjects: this.#subjects.size, epoch: Math.max(0, this.#epoch) },
    };
  }

  /** Releases the demand at the gateway (best effort), ends every stream, closes the NATS connection. Idempotent. */
  close(): Promise<void> {
    this.#shut = true;
    this.#closed ??= (async () => {
      this.#offRegistry();
      clearInterval(this.#renew);
      clearTimeout(this.#debounce);
      for (const side of Object.values(this.#sides)) clearTimeout(side.retry);
      this.#subscribers.endStreams();
      for (const wake of [...this.#waiters]) wake();
      await this.#connecting;
      const nats = this.#nats;
      if (nats !== undefined && !nats.isClosed()) {
        // Goodbye: the gateway drops this demand now instead of when the lease runs out.
        await Promise.all(
          CONNECTION_KINDS.filter((kind) => this.#sides[kind].acked > 0 && this.#sides[kind].refusal === undefined).map((kind) =>
            nats.request(this.#control.demand[kind], JSON.stringify(this.#announcement(kind, [])), { timeout: 500 }).catch(() => undefined),
          ),
        );
        await nats.drain().catch(() => nats.close());
      }
      this.#router.clear();
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ── local demand ─────────────────────────────────────────────────────────

  #onDemandChange(kind: ConnectionKind): void {
    const side = this.#sides[kind];
    side.seq++;
    side.stats.changes++;
    this.#syncSubjects();
    if (this.#debounce !== undefined) {
      side.stats.changesAbsorbed++;
      return;
    }
    side.stats.flushesStarted++;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      for (const k of CONNECTION_KINDS) if (this.#sides[k].seq !== this.#sides[k].acked) void this.#announce(k);
    }, this.#options.debounceMs);
    this.#refresh();
  }

  /** Subscribes the subjects of every wanted stream before the demand goes out (NATS keeps the order). */
  #syncSubjects(): void {
    const nats = this.#nats;
    if (nats === undefined || nats.isClosed()) return;
    const wanted = new Map<string, { kind: ConnectionKind; first: boolean }>();
    for (const kind of CONNECTION_KINDS) {
      if (this.#sides[kind].refusal !== undefined && kind === 'private') continue;
      for (const entry of this.#registry.snapshot(kind).entries) {
        const subject = streamSubject(this.#prefixes, entry.type, entry.code, entry.level);
        const first = entry.snapshot && this.#cacheTypes.has(entry.type) && entry.code !== '';
        wanted.set(subject, { kind, first: (wanted.get(subject)?.first ?? false) || first });
      }
    }
    for (const [subject, sub] of this.#subjects) {
      if (wanted.has(subject)) continue;
      sub.unsubscribe();
      this.#subjects.delete(subject);
      this.#awaitingFirst.delete(subject);
    }
    for (const [subject, { kind, first }] of wanted) {
      if (this.#subjects.has(subject)) continue;
      if (first) this.#awaitingFirst.add(subject);
      this.#subjects.set(subject, this.#subscribeSubject(subject, kind));
    }
  }

  #subscribeSubject(subject: string, kind: ConnectionKind): NatsSubscription {
    return this.#nats!.subscribe(subject, {
      callback: (error, msg) => {
        if (error) this.#onSubjectError(subject, kind, error);
        else this.#onFrame(subject, msg);
      },
    });
  }

  #onSubjectError(subject: string, kind: ConnectionKind, error: Error): void {
    this.#subjects.delete(subject);
    if (isPermissionError(error, this.#natsModule)) {
      this.#refuse(kind, new UpstateError('ERR_AUTH', `NATS refused this client's user the subscription to ${subject}: its permissions do not include the ${kind} streams (docs/fleet.md, Security)`, { cause: error }));
    } else {
      this.#report(new UpstateError('ERR_LINK', `NATS ended the subscription to ${subject}: ${error.message}`, { cause: error }));
    }
  }

  #onFrame(subject: string, msg: Msg): void {
    // Fencing: a frame from a gateway older than one already heard from is from a deposed one.
    const epoch = Number(msg.headers?.get(EPOCH_HEADER) || 0);
    const now = Date.now();
    if (epoch < this.#epoch && now - this.#lastFrameAt < this.#options.epochSilenceMs) {
      this.#fleetStats.staleFrames++;
      return;
    }
    if (epoch !== this.#epoch) {
      const previous = this.#epoch;
      this.#epoch = epoch;
      if (previous >= 0) {
        this.#fleetStats.gatewayChanges++;
        this.#emitSafely('gateway', { epoch, previous, gapMs: now - this.#lastFrameAt });
      }
    }
    this.#lastFrameAt = now;
    this.#awaitingFirst.delete(subject);
    const received = this.#received[subject.startsWith(`${this.#prefixes.private}.`) ? 'private' : 'public'];
    received.frames++;
    let message: unknown;
    try {
      message = msg.json();
    } catch {
      message = undefined;
    }
    if (!isRecord(message) || !isDataType(message.type)) {
      received.undecodable++;
      this.#report(new UpstateError('ERR_DECODE', `Undecodable frame on ${subject}`));
      return;
    }
    this.#router.route(message as unknown as UpbitMessage);
  }

  // ── the gateway ──────────────────────────────────────────────────────────

  /**
   * Loads the NATS client (an optional peer: without it the client reports `ERR_PEER_MISSING`,
   * refuses every demand and connects to nothing), then connects, trying again every `retryMs`
   * while NATS is not there yet (a client may start before its NATS server); once connected, the
   * official client reconnects on its own.
   */
  async #connect(config: NatsConnectionOptions): Promise<void> {
    let transport: FleetModules['transport'];
    try {
      transport = (await loadFleet()).transport;
    } catch (error) {
      const failure = error instanceof UpstateError ? error : new UpstateError('ERR_LINK', `Could not load the NATS client: ${String(error)}`, { cause: error });
      // Nothing to renew, ever: no timer keeps the process up for it.
      clearInterval(this.#renew);
      this.#report(failure);
      for (const side of Object.values(this.#sides)) side.refusal = failure;
      this.#refresh();
      return;
    }
    this.#natsModule = transport;
    let nats: NatsConnection | undefined;
    let reported = false;
    while (nats === undefined && !this.#shut) {
      try {
        // Ours is `NodeConnectionOptions` without its types (see nats.ts).
        nats = await transport.connect(config as NodeConnectionOptions);
      } catch (error) {
        this.#connections.failures++;
        if (!reported) {
          reported = true;
          this.#report(new UpstateError('ERR_LINK', `Could not connect to NATS (trying again every ${this.#options.retryMs} ms): ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        }
        await new Promise((resolve) => setTimeout(resolve, this.#options.retryMs));
      }
    }
    if (nats === undefined) return;
    if (this.#shut) {
      await nats.close();
      return;
    }
    this.#nats = nats;
    this.#natsUp = true;
    this.#connections.opened++;
    nats.subscribe(this.#control.hello, { callback: () => this.#renewAll() });
    this.#syncSubjects();
    this.#renewAll();
    this.#refresh();
    void this.#watchStatus(nats);
  }

  async #watchStatus(nats: NatsConnection): Promise<void> {
    for await (const status of nats.status()) {
      if (status.type === 'disconnect') {
        this.#natsUp = false;
        for (const side of Object.values(this.#sides)) side.answered = false;
        this.#refresh();
      } else if (status.type === 'reconnect') {
        this.#natsUp = true;
        this.#connections.reconnects++;
        this.#connections.opened++;
        // The gateway may have lost everything meanwhile: announce everything at once.
        this.#renewAll();
        this.#refresh();
      }
    }
  }

  #renewAll(): void {
    for (const kind of CONNECTION_KINDS) {
      const side = this.#sides[kind];
      if (side.seq !== side.acked || this.#registry.snapshot(kind).entries.length > 0) void this.#announce(kind);
    }
  }

  #announcement(kind: ConnectionKind, specs: readonly Spec[]): Announcement {
    return { v: FLEET_PROTOCOL, client: this.id, kind, seq: this.#sides[kind].seq, leaseMs: this.#options.leaseMs, specs };
  }

  /** Sends the whole demand of `kind`; one request at a time per kind, again at once if it changed meanwhile. */
  async #announce(kind: ConnectionKind): Promise<void> {
    const side = this.#sides[kind];
    const nats = this.#nats;
    if (side.inFlight || this.#shut || nats === undefined || !this.#natsUp || side.refusal !== undefined) return;
    side.inFlight = true;
    clearTimeout(side.retry);
    side.retry = undefined;
    const seq = side.seq;
    const announcement = this.#announcement(kind, specsOfDesired(this.#registry.snapshot(kind)));
    side.stats.messagesSent++;
    this.#refresh();
    let reply: AnnouncementReply | undefined;
    let failure: unknown;
    try {
      const msg = await nats.request(this.#control.demand[kind], JSON.stringify(announcement), { timeout: this.#options.requestTimeoutMs });
      reply = msg.json<AnnouncementReply>();
    } catch (error) {
      failure = error;
    }
    side.inFlight = false;
    if (this.#shut) return;
    if (reply?.ok === true) {
      side.acked = Math.max(side.acked, seq);
      side.answered = true;
      side.failing = false;
      this.#fleetStats.acknowledged++;
      this.#emitSafely('flush', kind, side.stats.messagesSent);
      void this.#fetchFirstValues();
    } else if (reply !== undefined && reply.ok === false) {
      side.answered = true;
      side.stats.sendFailures++;
      this.#refuse(kind, new UpstateError(reply.code, `The gateway refused the ${kind} demand: ${reply.message}`));
    } else if (isPermissionError(failure, this.#natsModule)) {
      side.stats.sendFailures++;
      this.#refuse(kind, new UpstateError('ERR_AUTH', `NATS refused this client's user to publish the ${kind} demand (${this.#control.demand[kind]}): its permissions do not include the ${kind} streams (docs/fleet.md, Security)`, { cause: failure }));
    } else {
      side.stats.sendFailures++;
      side.failing = true;
      side.answered = false;
      this.#options.logger.debug({ kind, err: String(failure) }, 'upstate fleet: no answer from the gateway');
    }
    this.#refresh();
    if (side.refusal !== undefined) return;
    if (failure !== undefined) side.retry = setTimeout(() => void this.#announce(kind), this.#options.retryMs);
    else if (side.seq !== side.acked) void this.#announce(kind);
  }

  /** First values of new cacheable streams from the gateway's cache, unless a live frame came first. */
  async #fetchFirstValues(): Promise<void> {
    if (this.#awaitingFirst.size === 0) return;
    const subjects = [...this.#awaitingFirst];
    const reply = await this.#ask<LastValuesReply>(this.#control.lastValues, { subjects });
    if (reply === undefined || !Array.isArray(reply.values)) return;
    for (const { subject, frame } of reply.values) {
      if (!this.#awaitingFirst.delete(subject)) continue;
      let message: unknown;
      try {
        message = JSON.parse(frame);
      } catch {
        continue;
      }
      if (!isRecord(message) || !isDataType(message.type)) continue;
      this.#fleetStats.lastValues++;
      this.#router.route(message as unknown as UpbitMessage);
    }
    // A stream with no cached value yet gets its SNAPSHOT live, on the subject already subscribed.
    for (const subject of subjects) this.#awaitingFirst.delete(subject);
  }

  /** A request to the gateway; undefined when unanswered. */
  async #ask<T>(subject: string, body: unknown): Promise<T | undefined> {
    const nats = this.#nats;
    if (nats === undefined || nats.isClosed() || !this.#natsUp) return undefined;
    try {
      const msg = await nats.request(subject, JSON.stringify(body), { timeout: this.#options.requestTimeoutMs + 5_000 });
      return msg.json<T>();
    } catch {
      return undefined;
    }
  }

  #refuse(kind: ConnectionKind, error: UpstateError): void {
    const side = this.#sides[kind];
    const first = side.refusal === undefined;
    side.refusal = error;
    if (first) this.#report(error);
    this.#refresh();
  }

  // ── state ────────────────────────────────────────────────────────────────

  #wantsAnything(): boolean {
    return CONNECTION_KINDS.some((kind) => this.#registry.snapshot(kind).entries.length > 0);
  }

  #inSync(kind: ConnectionKind): boolean {
    const side = this.#sides[kind];
    return side.acked === side.seq && !side.inFlight;
  }

  #refusal(): UpstateError | undefined {
    for (const kind of CONNECTION_KINDS) {
      const side = this.#sides[kind];
      if (side.refusal !== undefined && this.#registry.snapshot(kind).entries.length > 0) return side.refusal;
    }
    return undefined;
  }

  #linkOf(side: Side): LinkState {
    if (side.refusal !== undefined && side.refusal.code === 'ERR_AUTH') return 'authFailed';
    const wants = this.#registry.snapshot(side.kind).entries.length > 0 || side.seq !== side.acked;
    if (!wants) return 'dormant';
    if (this.#connections.opened === 0) return 'connecting';
    if (!this.#natsUp || side.failing) return 'backoff';
    return side.answered ? 'open' : 'connecting';
  }

  #flushOf(side: Side): FlushState {
    if (side.inFlight) return 'sending';
    if (side.seq !== side.acked) return this.#debounce !== undefined ? 'debouncing' : 'rateWaiting';
    return 'idle';
  }

  /** Emits state changes and wakes whoever waits on them. */
  #refresh(): void {
    for (const side of Object.values(this.#sides)) {
      const link = this.#linkOf(side);
      const flush = this.#flushOf(side);
      if (link === side.link && flush === side.flush) continue;
      const wasOpen = side.link === 'open';
      const previous = side.link;
      side.link = link;
      side.flush = flush;
      if (link === 'open' && !wasOpen) this.#emitSafely('open', side.kind);
      if (wasOpen && link !== 'open' && link !== 'dormant') this.#emitSafely('close', side.kind);
      if (link === 'backoff' && previous !== 'backoff') this.#emitSafely('reconnecting', side.kind, this.#connections.failures + 1);
      this.#emitSafely('state', side.kind, link, flush);
    }
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves when `ready()` holds (checked on every state change); rejects on close or abort. */
  #until(ready: () => boolean, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.#shut) finish(closedError());
        else if (signal?.aborted) finish(abortedError());
        else if (ready()) finish(undefined);
      };
      const finish = (error: UpstateError | undefined): void => {
        this.#waiters.delete(check);
        signal?.removeEventListener('abort', check);
        if (error) reject(error);
        else resolve();
      };
      this.#waiters.add(check);
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }
      function onAbort(): void {
        clearTimeout(timer);
        reject(abortedError());
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #emitSafely<E extends keyof FleetClientEvents>(event: E, ...args: EventEmitter.ArgumentMap<FleetClientEvents>[Extract<E, keyof FleetClientEvents>]): void {
    emitSafely(this as Reporting, this.#options.logger, 'upstate fleet', event, args);
  }

  #report(error: UpstateError): void {
    report(this as Reporting, this.#options.logger, 'upstate fleet', error);
  }

  #assertOpen(): void {
    if (this.#shut) throw closedError();
  }
}

function newSide(kind: ConnectionKind): Side {
  return {
    kind,
    seq: 0,
    acked: 0,
    inFlight: false,
    answered: false,
    failing: false,
    refusal: undefined,
    retry: undefined,
    stats: { ...ZERO_FLUSH_STATS },
    link: 'dormant',
    flush: 'idle',
  };
}

function isPermissionError(error: unknown, transport: FleetModules['transport'] | undefined): boolean {
  if (transport === undefined) return false;
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof transport.errors.PermissionViolationError) return true;
  return false;
}

function positive(value: unknown, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new OptionError(option, value, 'a finite number > 0 (milliseconds)');
  return value;
}

function nonNegative(value: unknown, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new OptionError(option, value, 'a finite number >= 0 (milliseconds)');
  return value;
}

function abortedError(): UpstateError {
  return new UpstateError('ERR_ABORTED', 'settled() was aborted before the gateway settled');
}

function closedError(): UpstateError {
  return new UpstateError('ERR_CLOSED', 'The fleet client is closed');
}

/** Creates a fleet client: the orchestrator's API, served by a gateway over NATS. */
export function createFleetClient(options: FleetClientOptions): FleetClient {
  return new FleetClient(options);
}
