import { EventEmitter } from 'eventemitter3';
import { type Actor, createActor } from 'xstate';
import { connectionRefOf, orchestratorMachine, type OrchestratorMachine } from '../machines/orchestrator.machine.js';
import { ZERO_FLUSH_STATS } from '../machines/flush.machine.js';
import { OptionError, UpstateError } from './errors.js';
import { type OrchestratorEvents, type OrchestratorStats, type Retired, summarize } from './events.js';
import { type OrchestratorOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { connectionLogic, Port } from './port/port.js';
import { type ConnectionId, type DataType, type MessageOf, type UpbitMessage } from './protocol/upbit/types.js';
import { sharedConnectGate } from './rate/index.js';
import { Registry } from './registry/index.js';
import type { Spec } from './registry/spec.js';
import { Router } from './router/index.js';
import { FleetClient, type FleetClientOptions } from './fleet/client.js';
import type { StreamOptions } from './stream.js';
import { type Handler, Subscribers, type Subscription } from './subscribers.js';
import { emitSafely, report, type Reporting } from './report.js';
import { Waiters } from './waiters.js';

export type { ConnectionReport, ConnectionReports, FlushState, LinkState, OrchestratorEvents, OrchestratorStats } from './events.js';

/** What the totals of `stats()` keep of a released shard. */

export type { Handler, Subscription } from './subscribers.js';

/**
 * Keeps many independent subscribers on a few shared Upbit WebSockets: the registry merges what
 * they want, a port per connection keeps the exchange in step through the connection charts, and
 * the router hands each frame to exactly the subscribers that asked for it.
 * Build it with `createOrchestrator(options)`.
 */
export class Orchestrator extends EventEmitter<OrchestratorEvents> {
  /** The root actor: orchestrator → connection (public | public-N | private) → flush. Inspect it, don't drive it. */
  readonly actor: Actor<OrchestratorMachine>;
  readonly #options: ResolvedOptions;
  readonly #registry: Registry;
  readonly #router: Router;
  /** One port per running connection: `public` and `private` always, public shards while they run. */
  readonly #ports = new Map<ConnectionId, Port>();
  /** Shards whose release is due at the next microtask. */
  readonly #releasing = new Set<ConnectionId>();
  /** Counters of shards already released, so the totals of `stats()` never go down. */
  readonly #retired: Retired = { ...ZERO_FLUSH_STATS, opened: 0, reconnects: 0 };
  readonly #closing: Promise<void>[] = [];
  readonly #makePort: (connection: ConnectionId) => Port;
  readonly #waiters = new Waiters();
  readonly #unsubscribers: (() => void)[] = [];
  readonly #subscribers: Subscribers;
  /** Registry changes not yet told to the chart: the latest fingerprint per connection and how many changes it stands for. */
  readonly #unsent = new Map<ConnectionId, { fingerprint: number; changes: number }>();
  #closed: Promise<void> | undefined;

  constructor(options: OrchestratorOptions = {}) {
    super();
    const opts = resolveOptions(options);
    this.#options = opts;
    this.#router = new Router({ cacheTypes: opts.cacheTypes, onError: (error) => this.#report(error) });
    this.#registry = new Registry(opts.pool);
    this.#subscribers = new Subscribers({
      registry: this.#registry,
      router: this.#router,
      assertOpen: () => this.#assertOpen(),
      // Upbit would refuse the connection.
      privateRefusal: opts.credentials ? undefined : 'needs `credentials` in the orchestrator options (the private endpoint is signed with a JWT)',
    });
    const connectGate = opts.connectGate ?? sharedConnectGate(opts.limits.connectPerSecond);
    this.#makePort = (connection) =>
      new Port({
        kind: connection === 'private' ? 'private' : 'public',
        connection,
        options: opts,
        registry: this.#registry,
        onMessage: (message) => {
          this.#router.route(message);
        },
        emit: (event, ...args) => this.#emitSafely(event, ...args),
        report: (error) => this.#report(error),
        onChange: () => {
          if (connection !== 'public' && connection !== 'private') this.#releaseWhenIdle(connection);
          this.#checkSettled();
        },
      });
    this.#ports.set('public', this.#makePort('public'));
    this.#ports.set('private', this.#makePort('private'));

    // One logic for every connection: each actor finds its port by the id in its input.
    const logic = connectionLogic((connection) => this.#portOf(connection), opts, connectGate);
    const machine = orchestratorMachine.provide({ actors: { publicConnection: logic, privateConnection: logic } });
    this.actor = createActor(machine, {
      input: { leadingEdge: opts.leadingEdge },
      ...(opts.inspect ? { inspect: opts.inspect } : {}),
    });
    this.#unsubscribers.push(this.#registry.onChange((connection, fingerprint) => this.#onRegistryChange(connection, fingerprint)));
    this.actor.start();
    for (const [connection, port] of this.#ports) this.#observe(connection, port);
  }

  /**
   * Subscribes `handler` to `spec`. Synchronous: a bad spec throws `SpecError` and changes nothing.
   * The wire request follows at once when the connection is idle, else within `debounceMs` plus
   * whatever the rate limits impose.
   */
  subscribe<T extends DataType>(spec: Spec<T>, handler: Handler<T>): Subscription {
    return this.#subscribers.subscribe(spec, handler);
  }

  /**
   * The messages of one spec as an async iterator with a bounded buffer; ends on `signal` abort
   * or on `close()` (after the messages already buffered), or when the loop breaks. A bad spec
   * throws `SpecError` at once.
   */
  stream<T extends DataType>(spec: Spec<T>, options?: StreamOptions): AsyncIterableIterator<MessageOf<T>> {
    return this.#subscribers.stream(spec, options);
  }

  /** Replaces everything component `componentId` wants, atomically. A bad spec throws and changes nothing. */
  register(componentId: string, specs: readonly Spec[], handler: (message: UpbitMessage) => void): void {
    this.#subscribers.register(componentId, specs, handler);
  }

  /** Removes everything component `componentId` wanted. Returns false if it had nothing registered. */
  unregister(componentId: string): boolean {
    return this.#subscribers.unregister(componentId);
  }

  /**
   * Resolves once the latest desired state has been written to every socket that has something
   * to carry and no flush is pending (at once if that is already so). Upbit is silent on success,
   * so "written" is as far as a client can know. Rejects with `ERR_AUTH` if a connection that has
   * something to carry is refused its credentials, `ERR_UPBIT` if Upbit answered the request with
   * an error frame (the next change or `retry()` sends again), `ERR_CLOSED` when the orchestrator
   * closes, and `ERR_ABORTED` when `signal` aborts (a link that cannot reconnect never settles:
   * bound the wait).
   */
  settled(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    const settled = this.#waiters.add(options.signal);
    this.#checkSettled();
    return settled;
  }

  /**
   * Tries a connection again: one that stopped on refused credentials (`authFailed`), for example
   * once the key has been given the missing permission, or whose last request Upbit refused.
   * Does nothing to other connections.
   */
  retry(connection: ConnectionId = 'private'): void {
    this.#assertOpen();
    if (typeof connection !== 'string' || !/^(public|private|public-([2-9]|[1-9][0-9]+))$/.test(connection)) {
      throw new OptionError('connection', connection, "a connection id ('private', 'public', 'public-2', …)");
    }
    // A shard that does not run (any more) has nothing to retry.
    this.actor.send({ type: 'connection.retry', connection });
  }

  /** The pending-flush metrics and more, summed over connections (closed shards included), with a report per running connection. */
  stats(): OrchestratorStats {
    const reports = this.#sortedPorts().map(([connection, port]) => [connection, port.report()] as const);
    return summarize(reports, this.#retired, { subscribers: this.#registry.size, deliveries: this.#router.deliveries });
  }

  /** Stops every actor, ends every stream, closes both sockets and every timer. Idempotent; nothing is left running. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const off of this.#unsubscribers.splice(0)) off();
      this.#subscribers.endStreams();
      this.actor.stop();
      this.#waiters.rejectAll(closedError());
      this.#releasing.clear();
      await Promise.all([...[...this.#ports.values()].map((port) => port.close()), ...this.#closing]);
      this.#router.clear();
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkSettled(): void {
    // Changes the chart has not heard of yet are not on the wire.
    if (this.#waiters.size === 0 || this.#unsent.size > 0) return;
    let settled = true;
    for (const port of this.#ports.values()) {
      const settlement = port.settlement();
      if (settlement instanceof UpstateError) return this.#waiters.rejectAll(settlement);
      if (settlement === 'pending') settled = false;
    }
    if (settled) this.#waiters.resolveAll();
  }

  /** The port of a running connection; the chart never starts an actor for one that has none. */
  #portOf(connection: ConnectionId): Port {
    const port = this.#ports.get(connection);
    if (port === undefined) throw new UpstateError('ERR_CLOSED', `No port for connection '${connection}'`);
    return port;
  }

  /** `public`, its shards in number order, then `private`: the order reports and views list them. */
  #sortedPorts(): [ConnectionId, Port][] {
    return [...this.#ports].sort(([a], [b]) => connectionRank(a) - connectionRank(b));
  }

  /**
   * Collects the registry's changes of one tick and tells the chart once per connection, at the
   * next microtask: a burst of N `subscribe()` calls costs the charts one event, not N, and the
   * leading edge still sends before the next turn of the event loop.
   */
  #onRegistryChange(connection: ConnectionId, fingerprint: number): void {
    const unsent = this.#unsent.get(connection);
    if (unsent !== undefined) {
      unsent.fingerprint = fingerprint;
      unsent.changes++;
      return;
    }
    if (this.#unsent.size === 0) queueMicrotask(() => this.#tellChart());
    this.#unsent.set(connection, { fingerprint, changes: 1 });
  }

  #tellChart(): void {
    const unsent = [...this.#unsent];
    this.#unsent.clear();
    if (this.#closed) return;
    for (const [connection, { fingerprint, changes }] of unsent) this.#tellConnection(connection, fingerprint, changes);
    this.#checkSettled();
  }

  /** A shard the chart does not run yet gets its port first, so the actor it spawns finds it. */
  #tellConnection(connection: ConnectionId, fingerprint: number, changes: number): void {
    let fresh: Port | undefined;
    if (!this.#ports.has(connection)) {
      try {
        fresh = this.#makePort(connection);
      } catch (error) {
        // A `messageGate` factory that fails for this shard only: its codes wait, and it is said.
        this.#report(error instanceof UpstateError ? error : new UpstateError('ERR_GATE', `No message gate for '${connection}': ${String(error)}`, { cause: error }));
        return;
      }
      this.#ports.set(connection, fresh);
    }
    this.#releasing.delete(connection);
    this.actor.send({ type: 'registry.changed', connection, fingerprint, changes });
    if (fresh !== undefined) this.#observe(connection, fresh);
  }

  #observe(connection: ConnectionId, port: Port): void {
    const ref = connectionRefOf(this.actor.getSnapshot(), connection);
    if (ref !== undefined) port.observe(ref);
  }

  /**
   * Stops a shard once its socket has closed with no code left on it: the chart stops its actor,
   * the registry forgets the shard, the port closes. Deferred to a microtask, since this runs
   * inside the actor's own observer; checked again then, as a new code may have arrived.
   */
  #releaseWhenIdle(connection: ConnectionId): void {
    if (this.#releasing.has(connection) || !this.#isIdleShard(connection)) return;
    this.#releasing.add(connection);
    queueMicrotask(() => {
      if (!this.#releasing.delete(connection) || this.#closed || !this.#isIdleShard(connection)) return;
      const port = this.#ports.get(connection)!;
      const report = port.report();
      for (const key of Object.keys(this.#retired) as (keyof Retired)[]) this.#retired[key] += report[key];
      this.#registry.releaseShard(connection);
      this.actor.send({ type: 'connection.release', connection });
      this.#ports.delete(connection);
      this.#closing.push(port.close());
    });
  }

  #isIdleShard(connection: ConnectionId): boolean {
    const port = this.#ports.get(connection);
    if (port === undefined || this.#registry.codeCount(connection) > 0) return false;
    const { link, flush } = port.report();
    return link === 'dormant' && flush === 'idle';
  }

  /** Emits without letting a listener's exception escape into an actor observer (see report.ts). */
  #emitSafely<E extends keyof OrchestratorEvents>(event: E, ...args: EventEmitter.ArgumentMap<OrchestratorEvents>[Extract<E, keyof OrchestratorEvents>]): void {
    emitSafely(this as Reporting, this.#options.logger, 'upstate', event, args);
  }

  #report(error: UpstateError): void {
    report(this as Reporting, this.#options.logger, 'upstate', error);
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }
}

function connectionRank(connection: ConnectionId): number {
  if (connection === 'public') return 1;
  if (connection === 'private') return Number.MAX_SAFE_INTEGER;
  return Number(connection.slice('public-'.length));
}

function closedError(): UpstateError {
  return new UpstateError('ERR_CLOSED', 'The orchestrator is closed');
}

/**
 * Creates an orchestrator. Every option is optional; see `OrchestratorOptions` for defaults.
 * With `gateway` (a NATS server where `upstate gateway` runs) it returns a fleet client instead:
 * the same API, with no Upbit connection of its own (docs/fleet.md).
 */
export function createOrchestrator(options: FleetClientOptions): FleetClient;
export function createOrchestrator(options?: OrchestratorOptions): Orchestrator;
export function createOrchestrator(options?: OrchestratorOptions | FleetClientOptions): Orchestrator | FleetClient {
  return typeof options === 'object' && options !== null && 'gateway' in options ? new FleetClient(options) : new Orchestrator(options);
}
