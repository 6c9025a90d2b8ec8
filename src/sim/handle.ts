/**
 * The public shape of a running exchange: what `startExchange` resolves to, its events, its
 * counters and its fault switches.
 */
import type { EventEmitter } from 'eventemitter3';
import type { ReplayOptions, ReplayResult } from './replay.js';
import type {
  ConnectionKind,
  Format,
  MyAssetMessage,
  MyOrderMessage,
  ParsedRequest,
  ParsedTypeField,
} from '../protocol/upbit/types.js';
import type { Spec } from '../registry/spec.js';

/** The two WebSocket paths, as Upbit serves them. */
export const PUBLIC_PATH = '/websocket/v1';
export const PRIVATE_PATH = '/websocket/v1/private';
export type ExchangePath = typeof PUBLIC_PATH | typeof PRIVATE_PATH;

/** What the exchange made of one client message (recorded in `handle.requests`). */
export type RequestOutcome =
  /** The parser's verdict; an `ok: false` one was answered with that error frame. */
  | ParsedRequest
  /** A text `PING`, answered with `{"status":"UP"}`. */
  | { readonly ok: true; readonly kind: 'ping' }
  /** Over the message limit: answered with a `TOO_MANY_REQUESTS` error frame, then close 1008. */
  | { readonly ok: false; readonly error: 'TOO_MANY_REQUESTS'; readonly message: string };

export interface RequestRecord {
  /** `Date.now()` when it arrived. */
  readonly at: number;
  readonly connectionId: string;
  readonly path: ExchangePath;
  /** The message as UTF-8 text (binary messages are decoded too). */
  readonly text: string;
  readonly result: RequestOutcome;
}

export interface ConnectionInfo {
  /** `c1`, `c2`, … in order of acceptance; never reused, not even across `faults.restart()`. */
  readonly id: string;
  readonly path: ExchangePath;
  readonly kind: ConnectionKind;
  readonly remoteAddress: string;
  /** The format of the live streams (DEFAULT until a request sets one). */
  readonly format: Format;
  /** The fields of the request that set the current subscription (empty before the first). */
  readonly subscription: readonly ParsedTypeField[];
  /** The authenticated access key (private connections). */
  readonly accessKey?: string;
  /** Whether `faults.silence` holds it half-open. */
  readonly silenced: boolean;
}

/** Why the exchange or the client ended a connection. */
export type CloseCause =
  /** The client closed it, or its socket failed. */
  | 'client'
  /** No data either way for `idleTimeoutMs`. */
  | 'idle'
  /** Over the message limit (error frame, close 1008). */
  | 'rate'
  /** Private handshake refused the Upbit way (INVALID_AUTH frame, close 1008). */
  | 'auth'
  /** `faults.drop()`. */
  | 'dropped'
  /** `faults.restart()`. */
  | 'restart'
  /** `handle.close()`. */
  | 'shutdown';

export interface CloseEvent {
  readonly id: string;
  readonly cause: CloseCause;
  /** The close code seen by the server (1006 when the socket just went away). */
  readonly code: number;
  readonly reason: string;
}

export interface RefusedEvent {
  readonly path: string;
  readonly remoteAddress: string;
  /** The HTTP status of the refusal: 404, 401, 429, or the one given to `faults.refuseUpgrades`. */
  readonly status: number;
  readonly reason: string;
}

/** A client message or protocol ping that `faults.silence` kept from the server. */
export interface SwallowedEvent {
  readonly connectionId: string;
  readonly kind: 'message' | 'ping';
}

export interface ExchangeEvents {
  connection: (info: ConnectionInfo) => void;
  request: (record: RequestRecord) => void;
  close: (event: CloseEvent) => void;
  refused: (event: RefusedEvent) => void;
  /** Lets a test know a silenced connection's traffic arrived (and was lost), with no sleep. */
  swallowed: (event: SwallowedEvent) => void;
}

export interface ExchangeCounters {
  /** Upgrades accepted. */
  connectionsAccepted: number;
  /** Upgrades refused with an HTTP status (404, 401, 429, faults). */
  connectionsRefused: number;
  /** Client text/binary messages received (PING included; none while silenced). */
  messagesReceived: number;
  /** Client messages answered with an error frame. */
  messagesRejected: number;
  /** Frames sent, error and status frames included. */
  framesSent: number;
  /** Error frames sent. */
  errorsSent: number;
  /** `{"status":"UP"}` frames sent. */
  statusSent: number;
  /** Connections closed for idleness. */
  closedIdle: number;
  /** Connections closed for exceeding the message limit. */
  closedForRate: number;
  /** Private connections closed with an INVALID_AUTH frame. */
  closedForAuth: number;
  /** Frames, client messages and pings lost to `faults.silence`. */
  droppedWhileSilenced: number;
  /** Market ticks run. */
  ticks: number;
}

/** The errors `faults.refuseRequests` can answer with. */
export type RefusalName = 'WRONG_FORMAT' | 'NO_TICKET' | 'NO_TYPE' | 'NO_CODES' | 'INVALID_PARAM';

export interface ExchangeFaults {
  /** Ends one connection, or all, abruptly: no close frame (the client sees 1006). Returns how many. */
  drop(connectionId?: string): number;
  /**
   * Holds one connection, or all current ones, half-open: nothing is sent (data, pongs, status),
   * nothing received is processed, and the idle timeout does not apply. `false` resumes.
   * Returns how many connections changed.
   */
  silence(on: boolean, connectionId?: string): number;
  /** Refuses every upgrade with `status` (default 429) for `ms` milliseconds. */
  refuseUpgrades(ms: number, status?: number): void;
  /**
   * Refuses the next `count` subscription requests (from any connection) with an `error` frame
   * (default `INVALID_PARAM`), as Upbit refuses a request it finds wrong: the connection keeps the
   * subscription it had. @default count = 1
   */
  refuseRequests(count?: number, error?: RefusalName): void;
  /** Sends one undecodable frame to one connection, or all. Returns how many got it. */
  sendMalformed(connectionId?: string): number;
  /**
   * Behaves as a restarted server: drops every connection abruptly and forgets every
   * subscription, used nonce, rate window and pending fault. Markets keep trading.
   */
  restart(): void;
}

/** What an `inject…` call sent, and to whom. */
export interface Injection<M> {
  /** The message with DEFAULT names, as a decoder yields it (myAsset: `code: ''`). */
  readonly message: M;
  /** Connections it was sent to. */
  readonly connectionIds: readonly string[];
}

export interface ExchangeHandle extends EventEmitter<ExchangeEvents> {
  /** `ws://host:port/websocket/v1`. */
  readonly url: string;
  /** `ws://host:port/websocket/v1/private`. */
  readonly privateUrl: string;
  readonly port: number;
  /**
   * The most recent client messages received (`keepRequests` of them, 5 000 by default), oldest
   * first. Listen to the `request` event to see every one.
   */
  readonly requests: readonly RequestRecord[];
  /** Live counters (read them any time). */
  readonly counters: Readonly<ExchangeCounters>;
  readonly faults: ExchangeFaults;
  /** The open connections (not those the exchange is closing). */
  connections(): ConnectionInfo[];
  /** The current subscription of a connection; `undefined` for an unknown id. */
  subscriptionOf(connectionId: string): readonly ParsedTypeField[] | undefined;
  /**
   * Resolves once an open connection's current subscription streams what `spec` asks for in
   * realtime (every one of its codes; orderbooks at its `depth` and `level` if given, at any
   * otherwise), with that connection. Checked now and after every request the exchange accepts.
   * Use it between a client's `subscribe` and `tick()` / `inject…()`: a client's `settled()` means
   * the request was written, not that it has arrived. Rejects with `signal`'s reason when it
   * aborts, with `ERR_CLOSED` when the exchange closes first, and with a `SpecError` for a bad
   * spec (or one with `snapshot: 'only'`, which streams nothing).
   */
  untilSubscribed(spec: Spec, options?: { readonly signal?: AbortSignal }): Promise<ConnectionInfo>;
  /** Runs `n` market ticks now and sends what they produced. @default n = 1 */
  tick(n?: number): void;
  /**
   * Sends a myOrder event to the connections of `accessKey` subscribed to myOrder for its market
   * (codes omitted or empty = every market).
   */
  injectMyOrder(accessKey: string, fields?: Partial<MyOrderMessage>): Injection<MyOrderMessage>;
  /** Sends a myAsset event to the connections of `accessKey` subscribed to myAsset. */
  injectMyAsset(accessKey: string, fields?: Partial<MyAssetMessage>): Injection<MyAssetMessage>;
  /**
   * Sends one frame exactly as given (text as UTF-8), binary as Upbit sends, to one open
   * connection or to all, whatever they subscribed: for replaying frames captured from Upbit.
   * Returns how many connections got it. An unknown `connectionId` throws an `OptionError`.
   */
  sendFrame(frame: string | Uint8Array, connectionId?: string): number;
  /**
   * Sends `count` frames to one public connection (the only one open, or `connectionId`), cycling
   * through `frames` as they are, as fast as its socket takes them: for data-path benchmarks.
   * Frames are not checked against the subscription. Resolves when the last frame has left.
   */
  replay(frames: readonly Buffer[], options: ReplayOptions): Promise<ReplayResult>;
  /** Closes every socket, timer and the listener. Idempotent; resolves when all is released. */
  close(): Promise<void>;
}
