/**
 * The embedded Upbit-compatible exchange: wires the listener, the upgrade gate, the connections,
 * the market ticker and the faults into the handle `startExchange` resolves to.
 */
import type { IncomingMessage } from 'node:http';
import { EventEmitter } from 'eventemitter3';
import type { WebSocket } from 'ws';
import { OptionError, SpecError, UpstateError } from '../errors.js';
import type { MyAssetMessage, MyOrderMessage, ParsedTypeField } from '../protocol/upbit/types.js';
import { normalizeSpec, type NormalizedSpec, type Spec } from '../registry/spec.js';
import { PrivateAuth } from './auth.js';
import { type ClientMessageContext, handleClientMessage } from './client-messages.js';
import { SimConnection } from './connection.js';
import { realtimeMessages } from './dispatch.js';
import { createFaults, type FaultTarget } from './faults.js';
import { encodeMessages } from './frames.js';
import type {
  CloseCause,
  ConnectionInfo,
  ExchangeCounters,
  ExchangeEvents,
  ExchangeFaults,
  ExchangeHandle,
  Injection,
  RefusalName,
  RequestRecord,
} from './handle.js';
import { PRIVATE_PATH, PUBLIC_PATH } from './handle.js';
import { MarketData } from './market-data.js';
import { type ExchangeOptions, type ResolvedExchangeOptions, resolveOptions } from './options.js';
import { myAssetWire, myOrderEvent } from './private-events.js';
import type { StreamQuery } from './subscription.js';
import { type ListeningServer, listen } from './server.js';
import { replay, type ReplayOptions, type ReplayResult, replayTarget, validateReplay } from './replay.js';
import { type UpgradeDecision, UpgradeGate } from './upgrade-gate.js';

/** Close code after a refused private handshake in `authFailure: 'frame'` mode. */
const AUTH_CLOSE_CODE = 1008;

/**
 * Starts an Upbit-compatible exchange on `ws://127.0.0.1:<port>/websocket/v1` (public) and
 * `/websocket/v1/private` (JWT). Options are validated first: a bad one throws an `OptionError`
 * and nothing starts.
 *
 * @example
 * const exchange = await startExchange({ tickMs: 0, seed: 7 });
 * const ws = new WebSocket(exchange.url);
 * // … send [{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}], then exchange.tick()
 * await exchange.close();
 */
export async function startExchange(options?: ExchangeOptions): Promise<ExchangeHandle> {
  const exchange = new Exchange(resolveOptions(options));
  await exchange.start();
  return exchange;
}

function newCounters(): ExchangeCounters {
  return {
    connectionsAccepted: 0,
    connectionsRefused: 0,
    messagesReceived: 0,
    messagesRejected: 0,
    framesSent: 0,
    errorsSent: 0,
    statusSent: 0,
    closedIdle: 0,
    closedForRate: 0,
    closedForAuth: 0,
    droppedWhileSilenced: 0,
    ticks: 0,
  };
}

class Exchange extends EventEmitter<ExchangeEvents> implements ExchangeHandle {
  readonly counters: ExchangeCounters = newCounters();
  readonly requests: RequestRecord[] = [];
  readonly faults: ExchangeFaults;

  private readonly options: ResolvedExchangeOptions;
  private readonly markets: MarketData;
  private readonly auth: PrivateAuth;
  private readonly gate: UpgradeGate;
  /** Subscription requests still to refuse (`faults.refuseRequests`), and with what. */
  private refusals: { count: number; error: RefusalName } = { count: 0, error: 'INVALID_PARAM' };
  private readonly open = new Map<string, SimConnection>();
  /** Why the exchange ended a connection, read when its socket reports the close. */
  private readonly closeCauses = new WeakMap<SimConnection, CloseCause>();
  private readonly messageContext: ClientMessageContext;
  private server: ListeningServer | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private nextConnection = 1;
  private injections = 0;
  private closing: Promise<void> | undefined;
  /** `untilSubscribed` waits still pending: each is told when the exchange closes. */
  private readonly waiters = new Set<() => void>();

  constructor(options: ResolvedExchangeOptions) {
    super();
    this.options = options;
    this.markets = new MarketData(options.markets, options.seed, Date.now());
    this.auth = new PrivateAuth(options.credentials, options.keepNonces);
    this.gate = new UpgradeGate(options, this.auth);
    this.messageContext = {
      counters: this.counters,
      markets: this.markets,
      requestOptions: { lowerCaseCodes: options.lowerCaseCodes },
      record: (record) => {
        this.keep(record);
        this.emit('request', record);
      },
      end: (connection, code, reason, cause) => this.end(connection, code, reason, cause),
      swallowed: (connection, kind) => this.swallowed(connection, kind),
      takeRefusal: () => {
        if (this.refusals.count === 0) return undefined;
        this.refusals.count--;
        return this.refusals.error;
      },
    };
    this.faults = createFaults(this.faultTarget(), () => this.assertOpen());
  }

  async start(): Promise<void> {
    this.server = await listen(this.options.host, this.options.port, {
      decide: (request) => this.gate.decide(request, Date.now()),
      onAccepted: (socket, request, decision) => this.accept(socket, request, decision),
      onRefused: (request, decision) => {
        this.counters.connectionsRefused++;
        this.emit('refused', {
          path: request.url ?? '/',
          remoteAddress: request.socket.remoteAddress ?? 'unknown',
          status: decision.status,
          reason: decision.reason,
        });
      },
    });
    if (this.options.tickMs > 0) this.ticker = setInterval(() => this.runTicks(1), this.options.tickMs);
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  get url(): string {
    return `ws://${this.hostForUrl()}:${this.port}${PUBLIC_PATH}`;
  }

  get privateUrl(): string {
    return `ws://${this.hostForUrl()}:${this.port}${PRIVATE_PATH}`;
  }

  connections(): ConnectionInfo[] {
    // A connection the exchange is closing (idle, rate, auth) is no longer open, even while its
    // close handshake is in flight.
    return [...this.open.values()].filter((connection) => !connection.closing).map((connection) => connection.info());
  }

  subscriptionOf(connectionId: string): readonly ParsedTypeField[] | undefined {
    return this.open.get(connectionId)?.subscription.fields;
  }

  untilSubscribed(spec: Spec, options: { readonly signal?: AbortSignal } = {}): Promise<ConnectionInfo> {
    let normalized: NormalizedSpec;
    try {
      normalized = normalizeSpec(spec);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (normalized.snapshot === 'only') {
      return Promise.reject(new SpecError('snapshot', spec.snapshot, "'only' streams nothing in realtime: there is nothing to wait for"));
    }
    const query: StreamQuery = {
      type: normalized.type,
      codes: normalized.codes,
      ...(spec.depth === undefined ? {} : { depth: normalized.depth }),
      ...(spec.level === undefined ? {} : { level: normalized.level }),
    };
    const holder = (): ConnectionInfo | undefined => {
      for (const connection of this.open.values()) {
        if (!connection.closing && connection.subscription.streams(query)) return connection.info();
      }
      return undefined;
    };
    const { signal } = options;
    return new Promise<ConnectionInfo>((resolve, reject) => {
      if (this.closing !== undefined) return reject(new UpstateError('ERR_CLOSED', 'the exchange is closed'));
      if (signal?.aborted) return reject(signal.reason);
      const now = holder();
      if (now !== undefined) return resolve(now);
      const stop = (): void => {
        this.off('request', check);
        signal?.removeEventListener('abort', aborted);
        this.waiters.delete(closed);
      };
      const check = (): void => {
        const found = holder();
        if (found === undefined) return;
        stop();
        resolve(found);
      };
      const aborted = (): void => {
        stop();
        reject(signal?.reason);
      };
      const closed = (): void => {
        stop();
        reject(new UpstateError('ERR_CLOSED', 'the exchange closed before it held the subscription'));
      };
      this.on('request', check);
      signal?.addEventListener('abort', aborted, { once: true });
      this.waiters.add(closed);
    });
  }

  tick(n = 1): void {
    this.assertOpen();
    if (!Number.isInteger(n) || n < 0) throw new OptionError('n', n, 'an integer >= 0');
    this.runTicks(n);
  }

  injectMyOrder(accessKey: string, fields: Partial<MyOrderMessage> = {}): Injection<MyOrderMessage> {
    this.assertOpen();
    const now = Date.now();
    const code = fields.code ?? 'KRW-BTC';
    const message = myOrderEvent(++this.injections, now, this.markets.lastPrice(code) ?? 1_000, { ...fields, code });
    const targets = this.privateConnections(accessKey).filter((connection) => connection.subscription.wantsMyOrder(code));
    return { message, connectionIds: this.deliver(targets, message) };
  }

  injectMyAsset(accessKey: string, fields: Partial<MyAssetMessage> = {}): Injection<MyAssetMessage> {
    this.assertOpen();
    const wire = myAssetWire(++this.injections, Date.now(), fields);
    const targets = this.privateConnections(accessKey).filter((connection) => connection.subscription.myAsset);
    // Sent without `code` (as Upbit does); handed back with `code: ''` as a decoder yields it.
    const connectionIds = this.deliver(targets, wire as MyAssetMessage);
    return { message: { ...wire, code: '' }, connectionIds };
  }

  sendFrame(frame: string | Uint8Array, connectionId?: string): number {
    this.assertOpen();
    if (typeof frame !== 'string' && !(frame instanceof Uint8Array)) throw new OptionError('frame', frame, 'a string or bytes');
    const bytes = Buffer.from(frame);
    const targets = this.faultTarget().select(connectionId).filter((connection) => !connection.closing);
    return targets.filter((connection) => connection.send([bytes]) > 0).length;
  }

  replay(frames: readonly Buffer[], options: ReplayOptions): Promise<ReplayResult> {
    this.assertOpen();
    validateReplay(frames, options);
    return replay(replayTarget(this.open.values(), options.connectionId), frames, options.count);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ─── Connections ─────────────────────────────────────────────────────────

  /** Appends to `requests`, dropping the oldest beyond `keepRequests` so a long run stays bounded. */
  private keep(record: RequestRecord): void {
    if (this.options.keepRequests === 0) return;
    this.requests.push(record);
    if (this.requests.length > this.options.keepRequests) this.requests.shift();
  }

  private accept(socket: WebSocket, request: IncomingMessage, decision: Extract<UpgradeDecision, { accept: true }>): void {
    if (this.closing !== undefined) {
      socket.terminate();
      return;
    }
    const connection = new SimConnection({
      id: `c${this.nextConnection++}`,
      path: decision.path,
      remoteAddress: request.socket.remoteAddress ?? 'unknown',
      accessKey: decision.accessKey,
      socket,
      options: this.options,
      counters: this.counters,
      onIdle: (idle) => {
        this.counters.closedIdle++;
        // As observed on Upbit: the socket just goes away, no close frame (the client sees 1006).
        this.terminate(idle, 'idle');
      },
    });
    this.open.set(connection.id, connection);
    this.counters.connectionsAccepted++;

    socket.on('message', (data) => handleClientMessage(connection, data, this.messageContext));
    socket.on('ping', (data) => {
      if (connection.silenced) {
        this.swallowed(connection, 'ping');
        return;
      }
      connection.touch();
      socket.pong(data);
    });
    socket.on('error', () => {
      // The 'close' event follows; nothing else to do.
    });
    socket.on('close', (code, reason) => this.forget(connection, code, reason.toString()));

    this.emit('connection', connection.info());
    if (decision.authError !== undefined) {
      this.counters.closedForAuth++;
      connection.sendError('INVALID_AUTH', `authentication failed: ${decision.authError}`);
      this.end(connection, AUTH_CLOSE_CODE, 'invalid auth', 'auth');
    }
  }

  private swallowed(connection: SimConnection, kind: 'message' | 'ping'): void {
    this.counters.droppedWhileSilenced++;
    this.emit('swallowed', { connectionId: connection.id, kind });
  }

  /** Ends a connection with a close frame, remembering why. */
  private end(connection: SimConnection, code: number, reason: string, cause: CloseCause): void {
    if (connection.closing) return;
    connection.closing = true;
    connection.dispose();
    this.closeCauses.set(connection, cause);
    connection.socket.close(code, reason);
  }

  /** Ends a connection abruptly: no close frame, the peer sees the TCP connection vanish. */
  private terminate(connection: SimConnection, cause: CloseCause): void {
    if (!this.closeCauses.has(connection)) this.closeCauses.set(connection, cause);
    connection.closing = true;
    connection.socket.terminate();
    // Gone at once (not when the socket reports it), so `connections()` is exact right after a fault.
    this.forget(connection, 1006, '');
  }

  /** Removes a connection and announces its close, once. */
  private forget(connection: SimConnection, code: number, reason: string): void {
    connection.dispose();
    if (this.open.get(connection.id) !== connection) return;
    this.open.delete(connection.id);
    this.emit('close', { id: connection.id, cause: this.closeCauses.get(connection) ?? 'client', code, reason });
  }

  private privateConnections(accessKey: string): SimConnection[] {
    return [...this.open.values()].filter((connection) => connection.kind === 'private' && connection.accessKey === accessKey);
  }

  private deliver(targets: readonly SimConnection[], message: MyOrderMessage | MyAssetMessage): string[] {
    return targets.filter((connection) => connection.send(encodeMessages([message], connection.format)) > 0).map(({ id }) => id);
  }

  // ─── Market ──────────────────────────────────────────────────────────────

  private runTicks(n: number): void {
    for (let i = 0; i < n; i++) {
      const changes = this.markets.step(Date.now());
      this.counters.ticks++;
      if (changes.length === 0) continue;
      for (const connection of this.open.values()) {
        // Silenced connections still get their share, so `send` can count what the silence swallows.
        if (connection.kind !== 'public' || connection.closing) continue;
        const messages = realtimeMessages(connection.subscription, changes, this.markets);
        connection.send(encodeMessages(messages, connection.format));
      }
    }
  }

  // ─── Faults and lifecycle ────────────────────────────────────────────────

  private faultTarget(): FaultTarget {
    return {
      select: (connectionId) => {
        if (connectionId === undefined) return [...this.open.values()];
        const connection = this.open.get(connectionId);
        if (connection === undefined) throw new OptionError('connectionId', connectionId, 'the id of an open connection');
        return [connection];
      },
      terminate: (connection, cause) => this.terminate(connection, cause),
      refuseUpgrades: (ms, status) => this.gate.refuseFor(Date.now(), ms, status),
      refuseRequests: (count, error) => {
        this.refusals = { count, error };
      },
      restart: () => {
        this.refusals = { count: 0, error: 'INVALID_PARAM' };
        for (const connection of this.open.values()) this.terminate(connection, 'restart');
        this.auth.forgetNonces();
        this.gate.reset();
      },
    };
  }

  private async shutdown(): Promise<void> {
    for (const closed of [...this.waiters]) closed();
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
    for (const connection of this.open.values()) this.terminate(connection, 'shutdown');
    await this.server?.close();
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new UpstateError('ERR_CLOSED', 'the exchange is closed');
  }

  private hostForUrl(): string {
    return this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
  }
}
