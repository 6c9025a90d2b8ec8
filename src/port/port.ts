import type { EventEmitter } from 'eventemitter3';
import { randomUUID } from 'node:crypto';
import { fromCallback, fromPromise, type ActorRefFrom, type Subscription as ActorSubscription } from 'xstate';
import {
  backoffDelay,
  connectionMachine,
  flushOf,
  isLinkOpen,
  linkStateOf,
  type ConnectionMachine,
  type ConnectionSnapshot,
  type LinkInput,
  type LinkState,
} from '../../machines/connection.machine.js';
import { flushMachine, flushStateOf, isFlushRefused, isFlushSettled, ZERO_FLUSH_STATS, type AcquireInput, type FlushState, type SendInput, type SendResult } from '../../machines/flush.machine.js';
import { OptionError, UpbitError, UpstateError } from '../errors.js';
import type { ConnectionReport, OrchestratorEvents } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import { encodeRequest } from '../protocol/upbit/encode.js';
import { createToken } from '../protocol/upbit/jwt.js';
import type { ConnectionId, ConnectionKind, TypeField, UpbitMessage } from '../protocol/upbit/types.js';
import type { RateGate } from '../rate/gate.js';
import { SlidingWindowGate, upbitMessageGate } from '../rate/index.js';
import { type DesiredState, EMPTY_FINGERPRINT, planRequest, type Registry } from '../registry/index.js';
import { Link, watchLink, type LinkEndpoint, type LinkWatchCommand, type UpbitErrorFrame } from '../transport/index.js';

/** Emits one of the orchestrator's events; never throws. */
export type Emit = <E extends keyof OrchestratorEvents>(
  event: E,
  ...args: EventEmitter.ArgumentMap<OrchestratorEvents>[Extract<E, keyof OrchestratorEvents>]
) => void;

export interface PortOptions {
  readonly kind: ConnectionKind;
  /** Which socket of the pool this port is (`'public'`, `'public-2'`, …, `'private'`). @default kind */
  readonly connection?: ConnectionId;
  readonly options: ResolvedOptions;
  /** Read at send time, never earlier. */
  readonly registry: Registry;
  /** Receives every data frame, straight from the socket. */
  readonly onMessage: (message: UpbitMessage) => void;
  readonly emit: Emit;
  readonly report: (error: UpstateError) => void;
  /** Something a waiter of `settled()` cares about changed. */
  readonly onChange: () => void;
}

/** Where a port stands for `settled()`. */
export type Settlement = 'settled' | 'pending' | UpstateError;

/**
 * One connection's I/O: its link, its message gate and the content of what was last sent on it.
 * It provides the connection chart's actors and turns the chart's states into the
 * orchestrator's events. What the server holds is the chart's to say (the flush's `server`
 * fingerprint); the port only remembers the entries behind the fingerprint it last sent, so the
 * next request can ask snapshots for new streams only.
 */
export class Port {
  readonly kind: ConnectionKind;
  readonly connection: ConnectionId;
  readonly link: Link;
  readonly #gate: RateGate;
  readonly #ownsGate: boolean;
  readonly #deps: PortOptions;
  /** The last state written on this port, and what it asked for. */
  #sent: DesiredState | undefined;
  #asked: string | undefined;
  /** The error frame that answered the last request, if any. */
  #refusal: UpbitError | undefined;
  #ref: ActorRefFrom<ConnectionMachine> | undefined;
  readonly #subscriptions: ActorSubscription[] = [];

  constructor(deps: PortOptions) {
    const { kind, options } = deps;
    const connection = deps.connection ?? kind;
    this.kind = kind;
    this.connection = connection;
    this.#deps = deps;
    this.link = new Link({ onMessage: deps.onMessage });
    this.link.on('error', (error) => {
      if (error.code === 'ERR_DECODE') options.logger.warn({ connection, reason: error.message }, 'upstate: dropped an undecodable frame');
      deps.report(error.code === 'ERR_DECODE' ? new UpstateError('ERR_DECODE', `${error.message} (on the ${connection} link)`) : error);
    });
    this.#ownsGate = options.messageGate === undefined;
    this.#gate =
      options.messageGate === undefined
        ? upbitMessageGate({ perSecond: options.limits.messagesPerSecond, perMinute: options.limits.messagesPerMinute })
        : customGate(options.messageGate, kind, connection);
  }

  /** Opens the link (a fresh JWT for the private one); the chart's `openLink`. */
  async open(signal: AbortSignal): Promise<void> {
    const { url, headers } = this.#endpoint();
    await this.link.open(url, headers, signal);
  }

  /** Relays the open link's control events; the chart's `watchLink`. Returns the cleanup. */
  watch(sendBack: Parameters<typeof watchLink>[2], receive: Parameters<typeof watchLink>[3]): () => void {
    return watchLink(this.link, { onUpbitError: (frame) => this.#onUpbitError(frame) }, sendBack, receive);
  }

  /** Follows the running connection actor: its state changes become the orchestrator's events. */
  observe(ref: ActorRefFrom<ConnectionMachine>): void {
    this.#ref = ref;
    const { emit } = this.#deps;
    const kind = this.connection;
    let link: LinkState = 'dormant';
    let flush: FlushState = 'idle';
    let open = false;
    let sent = 0;
    const onChange = (): void => {
      const connection = ref.getSnapshot();
      const flushSnapshot = flushOf(connection);
      if (flushSnapshot === undefined) return;
      const nextLink = linkStateOf(connection);
      const nextFlush = flushStateOf(flushSnapshot);
      if (nextLink !== link || nextFlush !== flush) {
        const previous = link;
        link = nextLink;
        flush = nextFlush;
        const nowOpen = isLinkOpen(connection);
        if (nowOpen !== open) emit(nowOpen ? 'open' : 'close', kind);
        open = nowOpen;
        // A 418 block is a (long) wait before the next attempt too.
        if ((nextLink === 'backoff' || nextLink === 'blocked') && previous !== nextLink) {
          emit('reconnecting', kind, connection.context.attempt);
        }
        if (nextLink === 'authFailed' && previous !== 'authFailed') {
          this.#deps.report(new UpstateError('ERR_AUTH', `The ${this.kind} endpoint refused the credentials (${connection.context.lastError ?? 'unknown'})`));
        }
        emit('state', kind, nextLink, nextFlush);
      }
      const nowRefused = isFlushRefused(flushSnapshot);
      if (flushSnapshot.context.stats.messagesSent !== sent) {
        sent = flushSnapshot.context.stats.messagesSent;
        emit('flush', kind, sent);
      }
      this.#deps.onChange();
    };
    const flushRef = ref.getSnapshot().children.flush;
    this.#subscriptions.push(ref.subscribe(onChange));
    if (flushRef !== undefined) this.#subscriptions.push(flushRef.subscribe(onChange));
  }

  /** Whether everything wanted on this connection is on the wire, or why it never will be. */
  settlement(): Settlement {
    const connection = this.#snapshot();
    const flush = connection && flushOf(connection);
    if (connection === undefined || flush === undefined) return 'pending';
    const wanted = flush.context.desired !== EMPTY_FINGERPRINT;
    if (wanted && linkStateOf(connection) === 'authFailed') {
      return new UpstateError('ERR_AUTH', `The ${this.kind} endpoint refused the credentials`);
    }
    if (isFlushRefused(flush)) return this.#refusal ?? new UpbitError('UNKNOWN', 'the request was refused', this.#asked);
    return isFlushSettled(flush) ? 'settled' : 'pending';
  }

  /** This connection as `stats()` reports it. */
  report(): ConnectionReport {
    const connection = this.#snapshot();
    const flush = connection && flushOf(connection);
    const gate = this.#gate;
    return {
      link: connection ? linkStateOf(connection) : 'dormant',
      flush: flush ? flushStateOf(flush) : 'idle',
      lastError: connection?.context.lastError,
      headroom: gate instanceof SlidingWindowGate ? Math.min(...gate.stats().headroom) : undefined,
      framesReceived: this.link.framesReceived,
      decodeErrors: this.link.decodeErrors,
      ...(connection?.context.stats ?? { opened: 0, reconnects: 0, failures: 0, stale: 0 }),
      ...(flush?.context.stats ?? ZERO_FLUSH_STATS),
    };
  }

  /** Stops following the actor, closes the socket and the gate this port made. */
  async close(): Promise<void> {
    for (const s of this.#subscriptions.splice(0)) s.unsubscribe();
    // A gate passed in through `messageGate` belongs to the caller.
    if (this.#ownsGate && this.#gate instanceof SlidingWindowGate) this.#gate.close();
    await this.link.close();
  }

  #snapshot(): ConnectionSnapshot | undefined {
    return this.#ref?.getSnapshot();
  }

  /** A fresh JWT (fresh nonce) on every attempt; the secret stays in this closure. */
  #endpoint(): LinkEndpoint {
    const { endpoints, credentials } = this.#deps.options;
    if (this.kind === 'public') return { url: endpoints.public };
    if (!credentials) return { url: endpoints.private };
    return { url: endpoints.private, headers: { Authorization: `Bearer ${createToken(credentials)}` } };
  }

  #onUpbitError(frame: UpbitErrorFrame): void {
    // INVALID_AUTH ends in `authFailed`, reported once as ERR_AUTH when the chart gets there.
    if (frame.name === 'INVALID_AUTH') return;
    this.#refusal = new UpbitError(frame.name, frame.message, this.#asked);
    this.#deps.report(this.#refusal);
  }

  /** Waits on the message gate; a gate that fails (not a cancelled wait) is reported, then retried by the flush. */
  async acquire(signal: AbortSignal): Promise<void> {
    try {
      await this.#gate.acquire(signal);
    } catch (error) {
      if (!signal.aborted) {
        this.#deps.report(
          error instanceof UpstateError
            ? error
            : new UpstateError('ERR_GATE', `The ${this.connection} message gate failed: ${String(error)}`, { cause: error }),
        );
      }
      throw error;
    }
  }

  /**
   * Reads the desired state now, at send time, writes it as one request and waits until the
   * server has read it. `signal` aborts when the flush leaves `sending` (the link dropped, or the
   * request was refused): what the write did then no longer counts.
   */
  async send(input: SendInput, signal: AbortSignal): Promise<SendResult> {
    const desired = this.#deps.registry.snapshot(this.connection);
    // Upbit refuses an empty request and has no unsubscribe: an empty state is left to the linger.
    if (desired.fingerprint === EMPTY_FINGERPRINT) return { fingerprint: input.server, sent: false };
    // What the server holds, as far as the chart knows: the entries last sent, if that is what it holds.
    const held = this.#sent?.fingerprint === input.server ? this.#sent : undefined;
    const fields = planRequest(desired, held);
    // Nothing left to ask: the server already delivered every snapshot-only entry wanted.
    if (fields.length === 0) {
      this.#sent = desired;
      return { fingerprint: desired.fingerprint, sent: false };
    }
    const text = encodeRequest({ ticket: randomUUID(), fields, format: this.#deps.options.format });
    this.#asked = describeFields(fields);
    this.#refusal = undefined;
    await this.link.send(text);
    // Upbit is silent on success: a pong after the request means it was read, and a refusal
    // (an error frame, sent before the pong) has reached the chart, which left `sending` for it.
    await this.link.roundTrip();
    if (signal.aborted) throw new UpstateError('ERR_ABORTED', 'The link dropped, or the request was refused, during the send');
    this.#sent = desired;
    this.#deps.options.logger.debug({ connection: this.connection, fields: fields.length, version: desired.version }, 'upstate: subscription sent');
    return { fingerprint: desired.fingerprint, sent: true };
  }
}

/** `ticker KRW-BTC, KRW-ETH; trade KRW-BTC`, at most a few codes per type. */
function describeFields(fields: readonly TypeField[]): string {
  return fields
    .map(({ type, codes }) => {
      const shown = (codes ?? []).slice(0, 5).join(', ');
      const more = (codes?.length ?? 0) > 5 ? ` and ${codes!.length - 5} more` : '';
      return `${type}${shown ? ` ${shown}` : ''}${more}`;
    })
    .join('; ');
}

/** The caller's gate for `connection`, checked: a factory that returns no gate is an option error. */
function customGate(factory: (kind: ConnectionKind, connection: ConnectionId) => RateGate, kind: ConnectionKind, connection: ConnectionId): RateGate {
  const gate = factory(kind, connection);
  if (typeof gate !== 'object' || gate === null || typeof gate.acquire !== 'function') {
    throw new OptionError('messageGate', gate, `a function returning a RateGate (with acquire()) for '${connection}'`);
  }
  return gate;
}

/**
 * The connection chart with the pool's I/O: ONE logic serves every connection, each actor finding
 * its port by the connection id in its input, so a shard spawned later runs the same logic.
 */
export function connectionLogic(portOf: (connection: ConnectionId) => Port, options: ResolvedOptions, connectGate: RateGate) {
  return connectionMachine.provide({
    actors: {
      acquireConnectToken: fromPromise<void, LinkInput>(({ signal }) => connectGate.acquire(signal)),
      openLink: fromPromise<void, LinkInput>(({ input, signal }) => portOf(input.connection).open(signal)),
      watchLink: fromCallback<LinkWatchCommand, LinkInput>(({ input, sendBack, receive }) => portOf(input.connection).watch(sendBack, receive)),
      flush: flushMachine.provide({
        actors: {
          acquireSendToken: fromPromise<void, AcquireInput>(({ input, signal }) => portOf(input.connection).acquire(signal)),
          sendDesired: fromPromise<SendResult, SendInput>(({ input, signal }) => portOf(input.connection).send(input, signal)),
        },
        delays: { debounce: options.debounceMs },
      }),
    },
    delays: {
      reconnectBackoff: ({ context }) => backoffDelay(context.attempt, context.penaltyMs, options.backoff, options.random),
      heartbeatInterval: options.heartbeat.intervalMs,
      heartbeatTimeout: options.heartbeat.timeoutMs,
      stablePeriod: options.backoff.stableMs,
      linger: options.lingerMs,
    },
  });
}
