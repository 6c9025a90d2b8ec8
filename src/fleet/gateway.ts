/**
 * The fleet gateway: an in-process orchestrator whose components are remote clients. Each client
 * announces its whole demand per connection kind over NATS (replace semantics, with a lease); the
 * orchestrator's registry merges them and its flush writes one request per burst to the only
 * Upbit connections of the fleet. Every frame that reaches it is published once, to its subject
 * (see subjects.ts), and the last value of each cached stream is kept for late joiners.
 */
import { EventEmitter } from 'eventemitter3';
import { randomUUID } from 'node:crypto';
import type { Msg, MsgHdrs, NatsConnection, NodeConnectionOptions, Subscription as NatsSubscription } from '@nats-io/transport-node';
import { type Actor, createActor, fromCallback, fromPromise } from 'xstate';
import { gatewayRoleMachine, type ClaimResult, type GatewayRole, type GatewayRoleEvent, type HoldInput } from '../../machines/gateway-role.machine.js';
import { ZERO_FLUSH_STATS } from '../../machines/flush.machine.js';
import { OptionError, SpecError, UpstateError } from '../errors.js';
import { summarize } from '../events.js';
import type { GatewayStatus, LiveSource, NatsLinkState } from '../live/source.js';
import type { OrchestratorOptions } from '../options.js';
import { createOrchestrator, type Orchestrator, type OrchestratorStats } from '../orchestrator.js';
import { isRecord } from '../protocol/upbit/json.js';
import { CONNECTION_KINDS, DATA_TYPES, isDataType, type ConnectionKind, type DataType, type OrderbookMessage, type UpbitMessage } from '../protocol/upbit/types.js';
import { normalizeSpecs, type NormalizedSpec, type Spec } from '../registry/index.js';
import { DEFAULT_CACHE_TYPES } from '../router/index.js';
import { hasJetStream, LeaseTaken, openLeaseStore, type LeaseStore } from './lease.js';
import { LeaseTable, parseAnnouncement, type AnnouncementReply, type LastValuesReply, type SettledReply } from './demand.js';
import { loadFleet, natsOptions, type NatsTarget } from './nats.js';
import { controlSubjects, EPOCH_HEADER, messageSubject, resolvePrefixes, streamSubject, type Prefixes } from './subjects.js';

export interface GatewayOptions {
  /** The NATS server(s): `'nats://127.0.0.1:4222'`, a list, or `@nats-io/transport-node` options. */
  readonly nats: NatsTarget;
  /** Subject prefix of public streams and control subjects. @default 'upstate' */
  readonly prefix?: string;
  /** Subject prefix of private streams (myOrder, myAsset) and private demand. @default 'upstate-private' */
  readonly privatePrefix?: string;
  /**
   * Options of the gateway's orchestrator: `endpoints`, `credentials` (private streams pass only
   * with them), `limits`, `logger`, … (`cacheTypes` is the gateway's own option below).
   * @default {} (Upbit's endpoints, no credentials)
   */
  readonly orchestrator?: Omit<OrchestratorOptions, 'cacheTypes'>;
  /** Longest lease a client may ask for; longer ones are cut to it. @default 60_000 */
  readonly maxLeaseMs?: number;
  /** How often leases that ran out are dropped. @default 1_000 */
  readonly sweepMs?: number;
  /** Longest a settled check waits for the gateway's flush before answering "not yet". @default 5_000 */
  readonly settleWaitMs?: number;
  /** Types whose last frame per subject is kept for late joiners. @default ['ticker', 'orderbook'] */
  readonly cacheTypes?: readonly DataType[];
  /** Called with each frame just before it is published (measurement, logging). Must not throw. */
  readonly onPublish?: (subject: string, message: UpbitMessage) => void;
  /**
   * Term of the active gateway's lease in JetStream KV (the bucket's TTL): a standby takes over at
   * most this long (plus `standbyPollMs`) after the active one stopped renewing. Every gateway of
   * a prefix must use the same value. The active one renews every third of it.
   * @default 3_000
   */
  readonly activeLeaseMs?: number;
  /** How often a standby tries to claim the lease. @default 500 */
  readonly standbyPollMs?: number;
  /**
   * Without JetStream on the NATS server there is no lease: a gateway that finds another one on
   * its prefix refuses to start (`ERR_OPTION`) and one alone runs active with epoch 0. `true`
   * refuses to start without JetStream even alone. @default false
   */
  readonly requireJetStream?: boolean;
}

/** A gateway's role among the gateways of its prefix, and the epoch of the lease it holds (or held last). */
export interface GatewayRoleState {
  readonly role: GatewayRole;
  /** The lease's epoch: grows with every takeover; 0 without JetStream. Frames carry it in the `Upstate-Epoch` header. */
  readonly epoch: number;
  /** `lease` with JetStream; `alone` without (no standby possible). */
  readonly election: 'lease' | 'alone';
  /** Why the last lease was lost, once one was. */
  readonly lostBecause?: string;
}


export interface GatewayStats {
  /** Demands (client × connection kind) holding a lease. */
  readonly demands: number;
  /** Distinct clients holding a lease. */
  readonly clients: number;
  readonly announcements: number;
  /** Announcements refused (bad specs, private streams without credentials). */
  readonly refused: number;
  /** Demands dropped because their lease ran out. */
  readonly expired: number;
  /** Frames published to NATS. */
  readonly published: number;
  readonly lastValueRequests: number;
  /** Cached frames handed out to late joiners. */
  readonly lastValueHits: number;
}

export interface GatewayEvents {
  /** A demand arrived for the first time or changed; `kind` says which connection it is for. */
  demand: [client: string, kind: ConnectionKind];
  /** A demand was dropped: the client said goodbye (`released`) or stopped renewing (`expired`). */
  release: [client: string, kind: ConnectionKind, why: 'released' | 'expired'];
  error: [error: UpstateError];
  /** The gateway's role changed (electing, standby, active, deposed). */
  role: [state: GatewayRoleState];
}

interface Held {
  readonly seq: number;
  /** The demand as announced, registered with the orchestrator while this gateway is active. */
  readonly specs: readonly Spec[];
  /** Subjects this demand keeps flowing (realtime wanted), for the freshness of the cache. */
  readonly flowing: readonly string[];
}

/** The running gateway. Build it with `startGateway(options)`. */
export class Gateway extends EventEmitter<GatewayEvents> {
  readonly nats: NatsConnection;
  /** This gateway's id in the lease. */
  readonly id = randomUUID();
  readonly prefixes: Prefixes;
  readonly #leases = new LeaseTable();
  readonly #held = new Map<string, Held>();
  /** How many demands keep each subject flowing. */
  readonly #flowing = new Map<string, number>();
  readonly #cache = new Map<string, string>();
  readonly #cacheTypes: ReadonlySet<DataType>;
  /** Frames already published, by identity; orderbooks by their first unit, which cut copies share. */
  readonly #published = new WeakSet<object>();
  readonly #subscriptions: NatsSubscription[] = [];
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #options: Required<Pick<GatewayOptions, 'maxLeaseMs' | 'settleWaitMs'>> & Pick<GatewayOptions, 'onPublish'>;
  readonly #publish = (message: UpbitMessage): void => this.#publishFrame(message);
  readonly #hasCredentials: boolean;
  #stats = { announcements: 0, refused: 0, expired: 0, published: 0, lastValueRequests: 0, lastValueHits: 0 };
  /** What the role chart went through, for `status()`. */
  #roleCounts = { takeovers: 0, stepDowns: 0, renewalsFailed: 0 };
  #natsLink: NatsLinkState = 'connected';
  #closed: Promise<void> | undefined;
  readonly #orchestratorOptions: OrchestratorOptions;
  /** The Upbit side: only while active. */
  #orchestrator: Orchestrator | undefined;
  #lastOrchestrator: Orchestrator | undefined;
  readonly #role: Actor<typeof gatewayRoleMachine>;
  readonly #election: 'lease' | 'alone';
  #roleState: GatewayRoleState = { role: 'electing', epoch: 0, election: 'alone' };
  #epochHeaders: MsgHdrs | undefined;
  /** The NATS client's `headers()`: its module is loaded by `startGateway`. */
  readonly #headers: () => MsgHdrs;
  readonly #hello: string;
  readonly #lease: LeaseStore | undefined;
  /**
   * The gateway as the live view reads it: `serveLiveView(gateway.live)` serves its role chart,
   * `/healthz` by role (docs/observability.md) and `/metrics` with the `upstate_gateway_*`
   * metrics. Its `stats()` are those of the orchestrator it holds while active (the last one
   * after, all zero before any).
   */
  readonly live: LiveSource;

  /** @internal use `startGateway` */
  constructor(
    nats: NatsConnection,
    headers: () => MsgHdrs,
    prefixes: Prefixes,
    options: GatewayOptions,
    resolved: { maxLeaseMs: number; sweepMs: number; settleWaitMs: number; cacheTypes: readonly DataType[]; activeLeaseMs: number; standbyPollMs: number },
    lease: LeaseStore | undefined,
  ) {
    super();
    this.nats = nats;
    this.#headers = headers;
    this.prefixes = prefixes;
    this.#options = { maxLeaseMs: resolved.maxLeaseMs, settleWaitMs: resolved.settleWaitMs, onPublish: options.onPublish };
    this.#cacheTypes = new Set(resolved.cacheTypes);
    this.#hasCredentials = options.orchestrator?.credentials !== undefined;
    this.#orchestratorOptions = { ...options.orchestrator, cacheTypes: resolved.cacheTypes };
    this.#lease = lease;
    this.#election = lease === undefined ? 'alone' : 'lease';
    const subjects = controlSubjects(prefixes);
    this.#hello = subjects.hello;
    this.#listen(subjects.demand.public, (msg) => this.#onDemand(msg, 'public'));
    this.#listen(subjects.demand.private, (msg) => this.#onDemand(msg, 'private'));
    this.#listen(subjects.lastValues, (msg) => this.#whenActive(() => this.#onLastValues(msg)));
    this.#listen(subjects.settled, (msg) => this.#whenActive(() => void this.#onSettled(msg)));
    this.#listen(subjects.gateways, (msg) => msg.respond(JSON.stringify({ id: this.id, ...this.#roleState })));
    this.#sweep = setInterval(() => this.#expire(), resolved.sweepMs);
    void this.#watchStatus(subjects.hello);
    this.#role = createActor(
      gatewayRoleMachine.provide({
        actors: lease === undefined ? aloneActors() : leaseActors(lease, resolved.activeLeaseMs, () => this.#roleCounts.renewalsFailed++),
        delays: { claimRetry: resolved.standbyPollMs, stepDownPause: resolved.standbyPollMs },
      }),
    );
    this.#role.subscribe((snapshot) => this.#onRole(snapshot.value as GatewayRole, snapshot.context.epoch, snapshot.context.lostBecause));
    this.#role.start();
    this.live = { actor: this.#role, stats: () => this.#orchestratorStats(), gateway: () => this.status() };
  }

  /** The orchestrator that holds the fleet's Upbit connections while this gateway is active (the last one after). Read its stats; don't subscribe through it. */
  get orchestrator(): Orchestrator | undefined {
    return this.#orchestrator ?? this.#lastOrchestrator;
  }

  /** This gateway's role and lease epoch now. */
  role(): GatewayRoleState {
    return this.#roleState;
  }

  /** Resolves once the first election is over (active or standby). */
  async elected(): Promise<GatewayRoleState> {
    if (this.#roleState.role === 'active' || this.#roleState.role === 'standby') return this.#roleState;
    return new Promise((resolve) => {
      const check = (state: GatewayRoleState): void => {
        if (state.role !== 'active' && state.role !== 'standby') return;
        this.off('role', check);
        resolve(state);
      };
      this.on('role', check);
    });
  }

  stats(): GatewayStats {
    const clients = new Set([...this.#held.keys()].map((id) => id.slice(0, id.lastIndexOf('/'))));
    return { demands: this.#held.size, clients: clients.size, ...this.#stats };
  }

  /** Its role, lease epoch, NATS link and counters now: what `/healthz` and `/metrics` report. */
  status(): GatewayStatus {
    const { role, epoch, election } = this.#roleState;
    const { demands, clients, published, announcements, refused, expired } = this.stats();
    const nats = this.nats.isClosed() ? 'closed' : this.#natsLink;
    return { role, epoch, election, nats, ...this.#roleCounts, clients, demands, published, announcements, refused, expired };
  }

  /** Stops listening, drops every demand, closes the Upbit connections and the NATS connection. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#sweep);
      for (const sub of this.#subscriptions) sub.unsubscribe();
      const { value, context } = this.#role.getSnapshot();
      this.#role.stop();
      await this.#deactivate();
      // A clean stop hands the lease over at once instead of letting it run out.
      if (value === 'active' && this.#lease !== undefined && !this.nats.isClosed()) await this.#lease.release(context.revision);
      if (!this.nats.isClosed()) await this.nats.drain().catch(() => this.nats.close());
      this.#held.clear();
      this.#cache.clear();
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ── NATS side ─────────────────────────────────────────────────────────────

  #listen(subject: string, handler: (msg: Msg) => void): void {
    this.#subscriptions.push(
      this.nats.subscribe(subject, {
        callback: (error, msg) => {
          if (error) this.#report(new UpstateError('ERR_LINK', `NATS ended the gateway's subscription to ${subject}: ${error.message}`, { cause: error }));
          else handler(msg);
        },
      }),
    );
  }

  /** While NATS is away nobody can renew, so no lease runs out; back, every client re-announces. */
  async #watchStatus(hello: string): Promise<void> {
    for await (const status of this.nats.status()) {
      if (status.type === 'disconnect') {
        this.#natsLink = 'reconnecting';
        this.#leases.pause();
      } else if (status.type === 'reconnect') {
        this.#natsLink = 'connected';
        this.#leases.resume();
        if (this.#roleState.role === 'active') this.nats.publish(hello, '');
      }
    }
  }

  #onDemand(msg: Msg, kind: ConnectionKind): void {
    this.#stats.announcements++;
    let reply: AnnouncementReply;
    try {
      reply = this.#accept(msg, kind);
    } catch (error) {
      this.#stats.refused++;
      const e = error instanceof UpstateError ? error : new UpstateError('ERR_SPEC', `Invalid fleet announcement: ${String(error)}`);
      reply = { ok: false, code: e.code, message: e.message };
    }
    msg.respond(JSON.stringify(reply));
  }

  #accept(msg: Msg, kind: ConnectionKind): AnnouncementReply {
    const announcement = parseAnnouncement(parseJson(msg));
    if (announcement.kind !== kind) throw new UpstateError('ERR_SPEC', `Invalid fleet announcement: ${announcement.kind} demand on the ${kind} demand subject`);
    const id = `${announcement.client}/${kind}`;
    const held = this.#held.get(id);
    if (announcement.specs.length === 0) {
      if (held !== undefined) this.#drop(id, 'released');
      return { ok: true, seq: announcement.seq };
    }
    if (held === undefined || held.seq !== announcement.seq) {
      const specs = normalizeSpecs(announcement.specs);
      const stray = specs.findIndex((spec) => spec.kind !== kind);
      if (stray >= 0) throw new SpecError(`specs[${stray}].type`, specs[stray]!.type, `does not travel on the ${kind} connection`);
      // The orchestrator would refuse them too; say it in fleet terms.
      if (kind === 'private' && !this.#hasCredentials) throw noCredentials();
      this.#orchestrator?.register(`fleet:${id}`, announcement.specs, this.#publish);
      this.#hold(id, { seq: announcement.seq, specs: announcement.specs, flowing: flowingSubjects(this.prefixes, specs) });
      this.emit('demand', announcement.client, kind);
    }
    this.#leases.renew(id, Math.min(announcement.leaseMs, this.#options.maxLeaseMs));
    return { ok: true, seq: announcement.seq };
  }

  #onLastValues(msg: Msg): void {
    this.#stats.lastValueRequests++;
    const values: { subject: string; frame: string }[] = [];
    try {
      const request = parseJson(msg);
      const subjects = isRecord(request) && Array.isArray(request.subjects) ? request.subjects.slice(0, 10_000) : [];
      for (const subject of subjects) {
        // Only streams that flow now: a frame cached before a pause would be stale.
        if (typeof subject !== 'string' || !this.#flowing.has(subject)) continue;
        const frame = this.#cache.get(subject);
        if (frame !== undefined) values.push({ subject, frame });
      }
    } catch {
      // A malformed request gets an empty answer: the client then waits for the next live frame.
    }
    this.#stats.lastValueHits += values.length;
    const reply: LastValuesReply = { values };
    msg.respond(JSON.stringify(reply));
  }

  async #onSettled(msg: Msg): Promise<void> {
    let reply: SettledReply;
    try {
      const request = parseJson(msg);
      const seq = isRecord(request) && isRecord(request.seq) ? request.seq : {};
      const client = isRecord(request) ? String(request.client) : '';
      const behind = CONNECTION_KINDS.some((kind) => {
        const wanted = seq[kind];
        if (typeof wanted !== 'number') return false;
        // The client names only kinds it has demand of: not holding one means not having it yet.
        const held = this.#held.get(`${client}/${kind}`);
        return held === undefined || held.seq < wanted;
      });
      if (behind) reply = { ok: false, behind: true };
      else {
        const orchestrator = this.#orchestrator;
        if (orchestrator === undefined) return; // deposed meanwhile: the next active gateway answers
        await orchestrator.settled({ signal: AbortSignal.timeout(this.#options.settleWaitMs) });
        reply = { ok: true };
      }
    } catch (error) {
      const e = error instanceof UpstateError ? error : new UpstateError('ERR_LINK', String(error));
      reply = { ok: false, code: e.code, message: e.message };
    }
    if (!this.nats.isClosed()) msg.respond(JSON.stringify(reply));
  }

  // ── Upbit side ────────────────────────────────────────────────────────────

  /** The handler of every remote component: publishes each frame once, whoever else it reached. */
  #publishFrame(message: UpbitMessage): void {
    // The fence: past the lease's term another gateway may be active; not one frame more.
    const { validUntil } = this.#role.getSnapshot().context;
    if (this.#orchestrator === undefined || Date.now() >= validUntil) {
      this.#role.send({ type: 'lease.lost', reason: 'its term ran out before a renewal (paused, slow, or cut off from NATS)' });
      return;
    }
    // A cut orderbook (for a smaller depth) is a copy sharing the units of the book it was cut from.
    const identity = message.type === 'orderbook' && message.orderbook_units.length > 0 ? (message as OrderbookMessage).orderbook_units[0]! : message;
    if (this.#published.has(identity)) return;
    this.#published.add(identity);
    const subject = messageSubject(this.prefixes, message);
    const frame = JSON.stringify(message);
    this.#options.onPublish?.(subject, message);
    this.nats.publish(subject, frame, { headers: this.#epochHeaders });
    this.#stats.published++;
    if (this.#cacheTypes.has(message.type) && this.#flowing.has(subject)) this.#cache.set(subject, frame);
  }

  #hold(id: string, held: Held | undefined): void {
    const before = this.#held.get(id);
    for (const subject of held?.flowing ?? []) this.#flowing.set(subject, (this.#flowing.get(subject) ?? 0) + 1);
    for (const subject of before?.flowing ?? []) {
      const left = (this.#flowing.get(subject) ?? 1) - 1;
      if (left > 0) this.#flowing.set(subject, left);
      else {
        this.#flowing.delete(subject);
        this.#cache.delete(subject);
      }
    }
    if (held === undefined) this.#held.delete(id);
    else this.#held.set(id, held);
  }

  #drop(id: string, why: 'released' | 'expired'): void {
    this.#orchestrator?.unregister(`fleet:${id}`);
    this.#hold(id, undefined);
    this.#leases.delete(id);
    const slash = id.lastIndexOf('/');
    this.emit('release', id.slice(0, slash), id.slice(slash + 1) as ConnectionKind, why);
  }

  #expire(): void {
    for (const id of this.#leases.takeExpired()) {
      this.#stats.expired++;
      this.#drop(id, 'expired');
    }
  }

  #report(error: UpstateError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  // ── role ──────────────────────────────────────────────────────────────────

  #whenActive(answer: () => void): void {
    if (this.#roleState.role === 'active') answer();
  }

  #onRole(charted: GatewayRole, epoch: number, lostBecause: string | undefined): void {
    const before = this.#roleState;
    // A standby's periodic claim is not a new role: it stays a standby until the claim is won.
    const role = charted === 'electing' && before.role === 'standby' ? 'standby' : charted;
    if (before.role === role && before.epoch === epoch) return;
    this.#roleState = { role, epoch, election: this.#election, ...(lostBecause === undefined ? {} : { lostBecause }) };
    if (role === 'active') {
      this.#roleCounts.takeovers++;
      this.#activate(epoch);
    } else if (before.role === 'active') {
      if (role === 'deposed') this.#roleCounts.stepDowns++;
      void this.#deactivate();
    }
    this.emit('role', this.#roleState);
  }

  /** The stats of the orchestrator held now (or last); all zero before this gateway was ever active. */
  #orchestratorStats(): OrchestratorStats {
    return this.orchestrator?.stats() ?? NO_CONNECTIONS;
  }

  /** Takes over: one orchestrator with the whole held demand, so one connection and one request. */
  #activate(epoch: number): void {
    const h = this.#headers();
    h.set(EPOCH_HEADER, String(epoch));
    this.#epochHeaders = h;
    const orchestrator = createOrchestrator(this.#orchestratorOptions);
    orchestrator.on('error', (error) => this.#report(error));
    for (const [id, held] of this.#held) orchestrator.register(`fleet:${id}`, held.specs, this.#publish);
    this.#orchestrator = orchestrator;
    this.#lastOrchestrator = orchestrator;
    // Clients announce at once (demand that changed while no gateway was active arrives now).
    if (!this.nats.isClosed()) this.nats.publish(this.#hello, '');
  }

  /** Steps down: no more frames, the Upbit connections closed, the cache dropped. */
  async #deactivate(): Promise<void> {
    const orchestrator = this.#orchestrator;
    this.#orchestrator = undefined;
    this.#cache.clear();
    await orchestrator?.close();
  }
}

/** `stats()` of an orchestrator that never ran: no connection, every figure 0. */
const NO_CONNECTIONS: OrchestratorStats = summarize([], { ...ZERO_FLUSH_STATS, opened: 0, reconnects: 0 }, { subscribers: 0, deliveries: 0 });

/** The role chart's actors over the JetStream KV lease; `onRenewalFailed` counts renewals that failed. */
function leaseActors(lease: LeaseStore, leaseMs: number, onRenewalFailed: () => void) {
  // The server drops the key `leaseMs` after it received the renewal, which is after we sent it:
  // counting from the send, minus a margin for timer lateness, we stop first.
  const term = (sentAt: number): number => sentAt + leaseMs - Math.min(250, leaseMs / 10);
  const renewMs = leaseMs / 3;
  return {
    claimLease: fromPromise<ClaimResult>(async () => {
      const sentAt = Date.now();
      const won = await lease.claim();
      return won === undefined ? undefined : { ...won, validUntil: term(sentAt) };
    }),
    holdLease: fromCallback<GatewayRoleEvent, HoldInput>(({ input, sendBack }) => {
      let revision = input.revision;
      let stopped = false;
      let inFlight = false;
      const lose = (reason: string): void => {
        if (stopped) return;
        stopped = true;
        sendBack({ type: 'lease.lost', reason });
      };
      let expiry = setTimeout(() => lose('its term ran out before a renewal (paused, slow, or cut off from NATS)'), Math.max(0, input.validUntil - Date.now()));
      const renew = async (): Promise<void> => {
        if (inFlight || stopped) return;
        inFlight = true;
        const sentAt = Date.now();
        try {
          revision = await lease.renew(revision);
          if (stopped) return;
          const validUntil = term(sentAt);
          clearTimeout(expiry);
          expiry = setTimeout(() => lose('its term ran out before a renewal (paused, slow, or cut off from NATS)'), Math.max(0, validUntil - Date.now()));
          sendBack({ type: 'lease.renewed', revision, validUntil });
        } catch (error) {
          onRenewalFailed();
          // Unanswered (NATS away, slow): try again next tick; the term's timer decides.
          if (error instanceof LeaseTaken) lose('another gateway holds the lease');
        } finally {
          inFlight = false;
        }
      };
      const tick = setInterval(() => void renew(), renewMs);
      return () => {
        stopped = true;
        clearInterval(tick);
        clearTimeout(expiry);
      };
    }),
  };
}

/** Without JetStream: active at once, epoch 0, for good. */
function aloneActors() {
  return {
    claimLease: fromPromise<ClaimResult>(async () => ({ epoch: 0, revision: 0, validUntil: Number.POSITIVE_INFINITY })),
    holdLease: fromCallback<GatewayRoleEvent, HoldInput>(() => () => {}),
  };
}

/** Subjects a set of specs keeps flowing (realtime wanted). */
function flowingSubjects(prefixes: Prefixes, specs: readonly NormalizedSpec[]): string[] {
  const subjects = new Set<string>();
  for (const spec of specs) {
    if (spec.snapshot === 'only') continue;
    for (const code of spec.codes.length === 0 ? [''] : spec.codes) subjects.add(streamSubject(prefixes, spec.type, code, spec.level));
  }
  return [...subjects];
}

function parseJson(msg: Msg): unknown {
  try {
    return msg.json();
  } catch {
    throw new UpstateError('ERR_SPEC', 'Invalid fleet request: not JSON');
  }
}

function noCredentials(): UpstateError {
  return new UpstateError('ERR_AUTH', 'The gateway holds no Upbit credentials: private streams (myOrder, myAsset) are off (start it with UPBIT_ACCESS_KEY and UPBIT_SECRET_KEY)');
}

/**
 * Starts a gateway: connects to NATS, then serves announcements until `close()`. Without the NATS
 * packages installed it throws `PeerMissingError` (`ERR_PEER_MISSING`) and starts nothing.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  if (!isRecord(options)) throw new OptionError('options', options, 'an object with at least `nats`');
  const prefixes = resolvePrefixes(options.prefix, options.privatePrefix);
  const maxLeaseMs = positive(options.maxLeaseMs, 60_000, 'maxLeaseMs');
  const sweepMs = positive(options.sweepMs, 1_000, 'sweepMs');
  const settleWaitMs = positive(options.settleWaitMs, 5_000, 'settleWaitMs');
  const cacheTypes = options.cacheTypes ?? DEFAULT_CACHE_TYPES;
  if (!Array.isArray(cacheTypes) || !cacheTypes.every(isDataType)) {
    throw new OptionError('cacheTypes', cacheTypes, `an array of data types (${DATA_TYPES.join(', ')})`);
  }
  if (options.onPublish !== undefined && typeof options.onPublish !== 'function') throw new OptionError('onPublish', options.onPublish, 'a function');
  const activeLeaseMs = positive(options.activeLeaseMs, 3_000, 'activeLeaseMs');
  if (activeLeaseMs < 300) throw new OptionError('activeLeaseMs', activeLeaseMs, 'at least 300 (milliseconds): it is renewed every third of it');
  const standbyPollMs = positive(options.standbyPollMs, 500, 'standbyPollMs');
  if (options.requireJetStream !== undefined && typeof options.requireJetStream !== 'boolean') throw new OptionError('requireJetStream', options.requireJetStream, 'a boolean');
  const config = natsOptions(options.nats, 'nats', 'upstate-gateway');
  // Every NATS package before anything starts: without one, nothing is left half-open.
  const { transport } = await loadFleet();
  const nats = await transport.connect(config as NodeConnectionOptions);
  try {
    let lease: LeaseStore | undefined;
    if (await hasJetStream(nats)) lease = await openLeaseStore(nats, prefixes.public, randomUUID(), activeLeaseMs);
    else await assertAlone(nats, prefixes, options.requireJetStream === true);
    const gateway = new Gateway(nats, transport.headers, prefixes, options, { maxLeaseMs, sweepMs, settleWaitMs, cacheTypes, activeLeaseMs, standbyPollMs }, lease);
    await gateway.elected();
    return gateway;
  } catch (error) {
    await nats.close();
    throw error;
  }
}

/** Without JetStream two gateways would both publish: refuse to be the second one. */
async function assertAlone(nats: NatsConnection, prefixes: Prefixes, requireJetStream: boolean): Promise<void> {
  const fix = 'start nats-server with JetStream (`nats-server -js`, or `jetstream {}` in its config) so gateways elect one active through a lease';
  if (requireJetStream) throw new UpstateError('ERR_OPTION', `This NATS server has no JetStream: ${fix}`);
  const other = await nats.request(controlSubjects(prefixes).gateways, '', { timeout: 1_000 }).then(
    (msg) => msg.string(),
    () => undefined,
  );
  if (other !== undefined) {
    throw new UpstateError('ERR_OPTION', `Another gateway already serves the prefix '${prefixes.public}' and this NATS server has no JetStream for a leader lease; two would both publish. Stop the other one, or ${fix}`);
  }
}

function positive(value: unknown, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new OptionError(option, value, 'a finite number > 0 (milliseconds)');
  return value;
}
