import { EventEmitter } from 'eventemitter3';
import { randomUUID } from 'node:crypto';
import { type Actor, type AnyActorRef, createActor, fromPromise } from 'xstate';
import { backoffDelay, connectionMachine, type ConnectionContext, type ConnectionStats } from '../machines/connection.machine.js';
import { flushMachine, ZERO_FLUSH_STATS, type FlushContext, type FlushStats, type SendInput, type SendResult } from '../machines/flush.machine.js';
import { orchestratorMachine, type OrchestratorMachine } from '../machines/orchestrator.machine.js';
import { OptionError, SpecError, UpbitError, UpstateError } from './errors.js';
import { type OrchestratorOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { encodeRequest } from './protocol/upbit/encode.js';
import { createToken } from './protocol/upbit/jwt.js';
import type { ConnectionKind, DataType, DecodedFrame, MessageOf, UpbitMessage } from './protocol/upbit/types.js';
import type { RateGate } from './rate/gate.js';
import { sharedConnectGate, SlidingWindowGate, upbitMessageGate } from './rate/index.js';
import { type DesiredState, EMPTY_FINGERPRINT, planRequest, Registry } from './registry/index.js';
import { normalizeSpec, normalizeSpecs } from './registry/spec.js';
import type { Spec } from './registry/spec.js';
import { Router } from './router/index.js';
import { createStream, type StreamOptions } from './stream.js';
import { Link, openLinkActor, watchLinkActor } from './transport/index.js';

export type Handler<T extends DataType = DataType> = (message: MessageOf<T>) => void;

/** A live subscription. `using sub = upbit.subscribe(…)` unsubscribes at the end of the scope. */
export interface Subscription {
  readonly id: string;
  /** Stops delivery at once; the exchange stops streaming what nobody else wants. Idempotent. */
  unsubscribe(): void;
  [Symbol.dispose](): void;
}

export type LinkState = 'dormant' | 'connecting' | 'open' | 'lingering' | 'backoff' | 'blocked' | 'authFailed';
export type FlushState = 'idle' | 'debouncing' | 'rateWaiting' | 'sending';

export interface ConnectionReport extends ConnectionStats, FlushStats {
  readonly link: LinkState;
  readonly flush: FlushState;
  /** The last failure: an HTTP status or an Upbit error name. Never a secret. */
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

interface Socket {
  readonly kind: ConnectionKind;
  readonly link: Link;
  readonly messageGate: RateGate;
  /** What the server holds on the current link; undefined until the first send after an open. */
  acknowledged: DesiredState | undefined;
}

const KINDS: readonly ConnectionKind[] = ['public', 'private'];

function linkStateOf(value: unknown): LinkState {
  if (typeof value === 'string') return value as LinkState;
  const v = value as Record<string, unknown>;
  if ('connecting' in v) return 'connecting';
  const open = v.open as { demand?: string } | undefined;
  return open?.demand === 'lingering' ? 'lingering' : 'open';
}

function flushStateOf(value: unknown): FlushState {
  return (typeof value === 'string' ? value : Object.keys(value as object)[0]) as FlushState;
}

/**
 * Keeps many independent subscribers on a few shared Upbit WebSockets.
 * Build it with `createOrchestrator(options)`.
 */
export class Orchestrator extends EventEmitter<OrchestratorEvents> {
  /** The root actor: orchestrator → connection (public | private) → flush. Inspect it, don't drive it. */
  readonly actor: Actor<OrchestratorMachine>;
  readonly #options: ResolvedOptions;
  readonly #registry = new Registry();
  readonly #router: Router;
  readonly #sockets: Record<ConnectionKind, Socket>;
  readonly #waiters = new Set<{ resolve: () => void; reject: (error: unknown) => void }>();
  readonly #unsubscribers: (() => void)[] = [];
  /** Ends each live stream; called on `close()`, so no consumer is left waiting. */
  readonly #streamEnds = new Set<() => void>();
  #nextId = 0;
  #closed: Promise<void> | undefined;

  constructor(options: OrchestratorOptions = {}) {
    super();
    const opts = resolveOptions(options);
    this.#options = opts;
    this.#router = new Router({
      cacheTypes: opts.cacheTypes,
      onError: (error) => this.#report(error),
    });
    const route = (message: UpbitMessage): void => {
      this.#router.route(message);
    };
    this.#sockets = {
      public: this.#createSocket('public', route),
      private: this.#createSocket('private', route),
    };
    const connectGate = opts.connectGate ?? sharedConnectGate(opts.limits.connectPerSecond);

    const machine = orchestratorMachine.provide({
      actors: {
        publicConnection: this.#connection(this.#sockets.public, connectGate),
        privateConnection: this.#connection(this.#sockets.private, connectGate),
      },
    });
    this.actor = createActor(machine, {
      input: { empty: EMPTY_FINGERPRINT },
      ...(opts.inspect ? { inspect: opts.inspect } : {}),
    });
    this.#unsubscribers.push(
      this.#registry.onChange((kind, fingerprint) => {
        this.actor.send({ type: 'registry.changed', kind, fingerprint });
      }),
    );
    this.actor.start();
    for (const kind of KINDS) this.#observe(kind);
  }

  /**
   * Subscribes `handler` to `spec`. Synchronous: a bad spec throws `SpecError` and changes nothing.
   * The wire request follows within `debounceMs` plus whatever the rate limits impose.
   */
  subscribe<T extends DataType>(spec: Spec<T>, handler: Handler<T>): Subscription {
    this.#assertOpen();
    assertHandler(handler);
    // One spec: its errors name its own fields (`codes[0]`), not `specs[0].codes[0]`.
    const specs = [normalizeSpec(spec)];
    const id = `\u0000sub:${++this.#nextId}`;
    this.#add(id, specs, handler as (message: UpbitMessage) => void);
    let live = true;
    const unsubscribe = (): void => {
      if (!live) return;
      live = false;
      this.#remove(id);
    };
    return { id, unsubscribe, [Symbol.dispose]: unsubscribe };
  }

  /**
   * The messages of one spec as an async iterator with a bounded buffer; ends on `signal` abort
   * or on `close()` (after the messages already buffered), or when the loop breaks. A bad spec
   * throws `SpecError` at once.
   */
  stream<T extends DataType>(spec: Spec<T>, options?: StreamOptions): AsyncIterableIterator<MessageOf<T>> {
    this.#assertOpen();
    // Validated here too: a stream whose signal is already aborted subscribes nothing, yet a bad spec still throws.
    normalizeSpec(spec);
    return createStream<T>(
      (s, handler, end) => {
        const { unsubscribe } = this.subscribe(s, handler);
        this.#streamEnds.add(end);
        return () => {
          this.#streamEnds.delete(end);
          unsubscribe();
        };
      },
      spec,
      options,
    );
  }

  /** Replaces everything component `componentId` wants, atomically. A bad spec throws and changes nothing. */
  register(componentId: string, specs: readonly Spec[], handler: (message: UpbitMessage) => void): void {
    this.#assertOpen();
    if (typeof componentId !== 'string' || componentId.length === 0 || componentId.startsWith('\u0000')) {
      throw new UpstateError('ERR_SPEC', `Expected \`componentId\` to be a non-empty string, got ${String(componentId)}`);
    }
    assertHandler(handler);
    this.#add(componentId, normalizeSpecs(specs), handler);
  }

  /** Removes everything component `componentId` wanted. Returns false if it had nothing registered. */
  unregister(componentId: string): boolean {
    if (!this.#registry.has(componentId)) return false;
    this.#remove(componentId);
    return true;
  }

  /**
   * Resolves once the latest desired state has been written to every socket that has something
   * to carry and no flush is pending (at once if that is already so). Upbit is silent on success,
   * so "written" is as far as a client can know. Rejects with `ERR_AUTH` if a connection that has
   * something to carry is refused its credentials, `ERR_CLOSED` when the orchestrator closes, and
   * `ERR_ABORTED` when `signal` aborts (a link that cannot reconnect never settles: bound the wait).
   */
  settled(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError());
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(waiter);
        reject(abortedError());
      };
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      this.#checkSettled();
    });
  }

  /**
   * Tries again a connection that stopped on refused credentials (`authFailed`), for example
   * once the key has been given the missing permission. Does nothing to other connections.
   */
  retry(kind: ConnectionKind = 'private'): void {
    this.#assertOpen();
    this.actor.send({ type: 'connection.retry', kind });
  }

  /** The seed's metrics and more, summed over connections, with a report per connection. */
  stats(): OrchestratorStats {
    const connections = {} as Record<ConnectionKind, ConnectionReport>;
    const totals: Record<keyof FlushStats, number> = { ...ZERO_FLUSH_STATS };
    let connectionsOpened = 0;
    let reconnects = 0;
    for (const kind of KINDS) {
      const { connection, flush } = this.#snapshots(kind);
      const gate = this.#sockets[kind].messageGate;
      connections[kind] = {
        link: linkStateOf(connection.value),
        flush: flushStateOf(flush.value),
        lastError: connection.context.lastError,
        headroom: gate instanceof SlidingWindowGate ? Math.min(...gate.stats().headroom) : undefined,
        framesReceived: this.#sockets[kind].link.framesReceived,
        decodeErrors: this.#sockets[kind].link.decodeErrors,
        ...connection.context.stats,
        ...flush.context.stats,
      };
      for (const key of Object.keys(totals) as (keyof FlushStats)[]) totals[key] += flush.context.stats[key];
      connectionsOpened += connection.context.stats.opened;
      reconnects += connection.context.stats.reconnects;
    }
    return {
      ...totals,
      batchEfficiency: totals.changes === 0 ? 0 : totals.changesAbsorbed / totals.changes,
      averageBatchSize: totals.flushesStarted === 0 ? 0 : totals.changes / totals.flushesStarted,
      connectionsOpened,
      reconnects,
      subscribers: this.#registry.size,
      deliveries: this.#router.deliveries,
      connections,
    };
  }

  /** Stops every actor, ends every stream, closes both sockets and every timer. Idempotent; nothing is left running. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const off of this.#unsubscribers.splice(0)) off();
      for (const end of [...this.#streamEnds]) end();
      this.actor.stop();
      for (const waiter of this.#waiters) waiter.reject(closedError());
      this.#waiters.clear();
      await Promise.all(
        KINDS.map(async (kind) => {
          const socket = this.#sockets[kind];
          // A gate passed in through `messageGate` belongs to the caller; ours is closed here.
          if (!this.#options.messageGate && socket.messageGate instanceof SlidingWindowGate) socket.messageGate.close();
          await socket.link.close();
        }),
      );
      this.#router.clear();
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ── wiring ────────────────────────────────────────────────────────────────

  #createSocket(kind: ConnectionKind, onMessage: (message: UpbitMessage) => void): Socket {
    const link = new Link({ onMessage });
    const socket: Socket = {
      kind,
      link,
      messageGate:
        customGate(this.#options.messageGate, kind) ??
        upbitMessageGate({
          perSecond: this.#options.limits.messagesPerSecond,
          perMinute: this.#options.limits.messagesPerMinute,
        }),
      acknowledged: undefined,
    };
    link.on('control', (frame: DecodedFrame) => this.#onControl(kind, frame));
    return socket;
  }

  #onControl(kind: ConnectionKind, frame: DecodedFrame): void {
    const { logger } = this.#options;
    // INVALID_AUTH becomes `link.rejected` through the link watcher, reported once as ERR_AUTH on `authFailed`.
    if (frame.kind === 'error' && frame.name !== 'INVALID_AUTH') {
      this.#report(new UpbitError(frame.name, frame.message));
    } else if (frame.kind === 'invalid') {
      logger.warn({ kind, reason: frame.reason }, 'upstate: dropped an undecodable frame');
      this.#report(new UpstateError('ERR_DECODE', `Undecodable frame on the ${kind} link: ${frame.reason}`));
    }
  }

  /** The connection machine with this socket's I/O. */
  #connection(socket: Socket, connectGate: RateGate) {
    const opts = this.#options;
    const endpoint = (): { url: string; headers?: Record<string, string> } => {
      // A fresh JWT (fresh nonce) on every attempt; the secret stays in this closure.
      socket.acknowledged = undefined;
      if (socket.kind === 'public') return { url: opts.endpoints.public };
      if (!opts.credentials) return { url: opts.endpoints.private };
      return {
        url: opts.endpoints.private,
        headers: { Authorization: `Bearer ${createToken(opts.credentials)}` },
      };
    };
    return connectionMachine.provide({
      actors: {
        acquireConnectToken: fromPromise(({ signal }) => connectGate.acquire(signal)),
        openLink: openLinkActor(socket.link, endpoint),
        watchLink: watchLinkActor(socket.link),
        flush: flushMachine.provide({
          actors: {
            acquireSendToken: fromPromise(({ signal }) => this.#acquire(socket, signal)),
            sendDesired: fromPromise<SendResult, SendInput>(({ input, signal }) => this.#send(socket, input, signal)),
          },
          delays: { debounce: opts.debounceMs },
        }),
      },
      delays: {
        reconnectBackoff: ({ context }: { context: ConnectionContext }) =>
          backoffDelay(context.attempt, context.penaltyMs, opts.backoff, opts.random),
        heartbeatInterval: opts.heartbeat.intervalMs,
        heartbeatTimeout: opts.heartbeat.timeoutMs,
        stablePeriod: opts.backoff.stableMs,
        linger: opts.lingerMs,
      },
    });
  }

  /** Waits on the message gate; a gate that fails (not a cancelled wait) is reported, then retried by the flush. */
  async #acquire(socket: Socket, signal: AbortSignal): Promise<void> {
    try {
      await socket.messageGate.acquire(signal);
    } catch (error) {
      if (!signal.aborted) {
        this.#report(
          error instanceof UpstateError
            ? error
            : new UpstateError('ERR_GATE', `The ${socket.kind} message gate failed: ${String(error)}`, { cause: error }),
        );
      }
      throw error;
    }
  }

  /**
   * Reads the desired state now, at send time, and writes it as one request. `signal` aborts when
   * the flush leaves `sending` (the link dropped): what the write did then no longer counts.
   */
  async #send(socket: Socket, input: SendInput, signal: AbortSignal): Promise<SendResult> {
    const desired = this.#registry.snapshot(socket.kind);
    const fields = planRequest(desired, socket.acknowledged);
    // Upbit refuses an empty request and has no unsubscribe: an empty state is left to the linger.
    if (desired.fingerprint === EMPTY_FINGERPRINT) return { fingerprint: input.server, sent: false };
    // Nothing left to ask: the server already delivered every snapshot-only entry wanted.
    if (fields.length === 0) {
      socket.acknowledged = desired;
      return { fingerprint: desired.fingerprint, sent: false };
    }
    const text = encodeRequest({ ticket: randomUUID(), fields, format: this.#options.format });
    await socket.link.send(text);
    if (signal.aborted) throw new UpstateError('ERR_ABORTED', 'The link dropped during the send');
    socket.acknowledged = desired;
    this.#options.logger.debug({ kind: socket.kind, fields: fields.length, version: desired.version }, 'upstate: subscription sent');
    return { fingerprint: desired.fingerprint, sent: true };
  }

  #add(id: string, specs: ReturnType<typeof normalizeSpecs>, handler: (message: UpbitMessage) => void): void {
    const unsigned = this.#options.credentials ? undefined : specs.find((spec) => spec.kind === 'private');
    if (unsigned) {
      // Upbit would refuse the connection; say so now, while the caller can still fix it.
      throw new SpecError('type', unsigned.type, 'needs `credentials` in the orchestrator options (the private endpoint is signed with a JWT)');
    }
    // Router first: a frame that the new request brings must find its subscriber.
    this.#router.add(id, specs, handler);
    this.#registry.register(id, specs);
  }

  #remove(id: string): void {
    this.#registry.unregister(id);
    this.#router.remove(id);
  }

  #snapshots(kind: ConnectionKind) {
    const connection = this.actor.getSnapshot().children[kind] as AnyActorRef;
    const connectionSnapshot = connection.getSnapshot() as { value: unknown; context: ConnectionContext; children: Record<string, AnyActorRef> };
    const flush = connectionSnapshot.children.flush!.getSnapshot() as { value: unknown; context: FlushContext };
    return { connection: connectionSnapshot, flush };
  }

  /** Turns state changes of one connection and its flush into events, and settles waiters. */
  #observe(kind: ConnectionKind): void {
    const connection = this.actor.getSnapshot().children[kind] as AnyActorRef;
    const flush = (connection.getSnapshot() as { children: Record<string, AnyActorRef> }).children.flush!;
    let link: LinkState = 'dormant';
    let flushState: FlushState = 'idle';
    let sent = 0;
    const onChange = (): void => {
      const { connection: c, flush: f } = this.#snapshots(kind);
      const nextLink = linkStateOf(c.value);
      const nextFlush = flushStateOf(f.value);
      if (nextLink !== link || nextFlush !== flushState) {
        const wasOpen = link === 'open' || link === 'lingering';
        const isOpen = nextLink === 'open' || nextLink === 'lingering';
        const previous = link;
        link = nextLink;
        flushState = nextFlush;
        if (isOpen && !wasOpen) this.#emitSafely('open', kind);
        if (wasOpen && !isOpen) this.#emitSafely('close', kind);
        // A 418 block is a (long) wait before the next attempt too.
        const waiting = nextLink === 'backoff' || nextLink === 'blocked';
        if (waiting && previous !== nextLink) this.#emitSafely('reconnecting', kind, c.context.attempt);
        if (nextLink === 'authFailed' && previous !== 'authFailed') {
          this.#report(new UpstateError('ERR_AUTH', `The ${kind} endpoint refused the credentials (${c.context.lastError ?? 'unknown'})`));
        }
        this.#emitSafely('state', kind, nextLink, nextFlush);
      }
      if (f.context.stats.messagesSent !== sent) {
        sent = f.context.stats.messagesSent;
        this.#emitSafely('flush', kind, sent);
      }
      this.#checkSettled();
    };
    const subscriptions = [connection.subscribe(onChange), flush.subscribe(onChange)];
    this.#unsubscribers.push(() => {
      for (const s of subscriptions) s.unsubscribe();
    });
  }

  #checkSettled(): void {
    if (this.#waiters.size === 0) return;
    let settled = true;
    for (const kind of KINDS) {
      const { connection, flush } = this.#snapshots(kind);
      const wantsSomething = flush.context.desired !== EMPTY_FINGERPRINT;
      if (wantsSomething && linkStateOf(connection.value) === 'authFailed') {
        const error = new UpstateError('ERR_AUTH', `The ${kind} endpoint refused the credentials`);
        for (const waiter of this.#waiters) waiter.reject(error);
        this.#waiters.clear();
        return;
      }
      const idle = flushStateOf(flush.value) === 'idle';
      const inSync = !wantsSomething || (flush.context.linkUp && flush.context.server === flush.context.desired);
      if (!idle || !inSync) settled = false;
    }
    if (!settled) return;
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters.clear();
  }

  /**
   * Emits from inside an actor observer, where a throw would become an uncaught exception and
   * cut the observer short: a listener that throws is reported as `ERR_HANDLER` instead.
   */
  #emitSafely<E extends keyof OrchestratorEvents>(event: E, ...args: EventEmitter.ArgumentMap<OrchestratorEvents>[Extract<E, keyof OrchestratorEvents>]): void {
    try {
      this.emit(event, ...args);
    } catch (cause) {
      const error = new UpstateError('ERR_HANDLER', `A listener of '${String(event)}' threw`, { cause });
      if (event === 'error') this.#options.logger.error({ code: error.code, err: String(cause) }, 'upstate: an error listener threw');
      else this.#report(error);
    }
  }

  #report(error: UpstateError): void {
    this.#options.logger.error({ code: error.code, err: error.message }, 'upstate: error');
    // An unheard 'error' must not crash the host: emit only when someone listens.
    if (this.listenerCount('error') > 0) this.#emitSafely('error', error);
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }
}

/** The caller's gate for `kind`, checked: a factory that returns no gate is an option error. */
function customGate(factory: ((kind: ConnectionKind) => RateGate) | undefined, kind: ConnectionKind): RateGate | undefined {
  if (factory === undefined) return undefined;
  const gate = factory(kind);
  if (typeof gate !== 'object' || gate === null || typeof gate.acquire !== 'function') {
    throw new OptionError('messageGate', gate, `a function returning a RateGate (with acquire()) for '${kind}'`);
  }
  return gate;
}

function assertHandler(handler: unknown): void {
  if (typeof handler !== 'function') {
    throw new UpstateError('ERR_SPEC', `Expected \`handler\` to be a function, got ${typeof handler}`);
  }
}

function abortedError(): UpstateError {
  return new UpstateError('ERR_ABORTED', 'settled() was aborted before the connections settled');
}

function closedError(): UpstateError {
  return new UpstateError('ERR_CLOSED', 'The orchestrator is closed');
}

/** Creates an orchestrator. Every option is optional; see `OrchestratorOptions` for defaults. */
export function createOrchestrator(options?: OrchestratorOptions): Orchestrator {
  return new Orchestrator(options);
}
