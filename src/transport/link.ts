import { EventEmitter } from 'eventemitter3';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import { OptionError, UpstateError } from '../errors.js';
import { decodeFrame } from '../protocol/upbit/decode.js';
import type { DecodedFrame, UpbitMessage } from '../protocol/upbit/types.js';
import { LinkError, openAbortedError } from './errors.js';
import { parseRetryAfter } from './retry-after.js';

/** A decoded frame that is not market or account data: status, error, subscription list. */
export type ControlFrame = Exclude<DecodedFrame, { kind: 'message' } | { kind: 'messages' } | { kind: 'invalid' }>;

export interface LinkCloseInfo {
  /** WebSocket close code; 1006 when the connection dropped without a close frame. */
  readonly code: number;
  readonly reason: string;
  /** Whether a close frame was received (the close was not abrupt). */
  readonly wasClean: boolean;
}

export interface LinkEvents {
  /** A frame that is not data: `status` (answer to a text PING), `error`, `subscriptions`. */
  control: [frame: ControlFrame];
  /** Anything arrived (a frame, a ping or a pong), at `Date.now()` = `at`. Emitted only while listened to. */
  activity: [at: number];
  /** The open socket closed. Emitted once per socket that opened. */
  close: [info: LinkCloseInfo];
  /**
   * A socket error (`ERR_LINK`, at most once per socket, always followed by `close`), an
   * undecodable frame (`ERR_DECODE`), or an exception thrown by `onMessage` or by a listener
   * (`ERR_HANDLER`); the socket stays open but for `ERR_LINK`.
   */
  error: [error: UpstateError];
}

export interface LinkOptions {
  /** Receives every data message, synchronously, straight from the socket callback. */
  readonly onMessage: (message: UpbitMessage) => void;
  /** Turns an inbound frame into a `DecodedFrame`; must never throw. @default decodeFrame */
  readonly decode?: (data: Buffer) => DecodedFrame;
  /** Offer permessage-deflate (Upbit supports it; it trades CPU for bandwidth). @default false */
  readonly perMessageDeflate?: boolean;
  /** After a graceful `close()`, how long to wait for the server's close frame before dropping the socket. @default 1_000 */
  readonly closeTimeoutMs?: number;
  /** Passed to `new WebSocket()`. @default { handshakeTimeout: 10_000 } */
  readonly wsOptions?: ClientOptions;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 1_000;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** ws sets this code when no close frame was received. */
const ABNORMAL_CLOSURE = 1006;

/** One socket's life. The link holds at most one, so events of an old socket never leak into a new one. */
interface Session {
  readonly ws: WebSocket;
  phase: 'opening' | 'open' | 'closing';
  openedAt?: number;
  /** Settles the pending `open()`; cleared once it has. */
  opening?: { resolve: () => void; reject: (error: Error) => void; detachAbort: () => void };
  /** Why the opening failed, decided by the first thing that went wrong. */
  failure?: Error;
  errored: boolean;
  closeTimer?: ReturnType<typeof setTimeout>;
  /** `roundTrip()` calls waiting for the next pong; rejected when the socket closes. */
  readonly pongWaiters: { resolve: () => void; reject: (error: Error) => void }[];
  readonly closed: Promise<void>;
  readonly markClosed: () => void;
}

/**
 * One WebSocket at a time for one connection kind.
 *
 * Data frames go socket → decoder → `onMessage` with no event emitter and no actor mailbox in
 * between: that is the hot path. Everything else (control frames, pongs, close, errors) is
 * emitted as an event for the connection statechart's actors.
 *
 * Nothing thrown inside a socket callback escapes; a socket error is emitted once, then `close`.
 * `open()` failures reject the `open()` promise instead: `error` and `close` are for sockets
 * that opened.
 */
export class Link extends EventEmitter<LinkEvents> {
  readonly #onMessage: (message: UpbitMessage) => void;
  readonly #decode: (data: Buffer) => DecodedFrame;
  readonly #wsOptions: ClientOptions;
  readonly #closeTimeoutMs: number;
  #session: Session | undefined;
  #lastInboundAt: number | undefined;
  #lastClose: LinkCloseInfo | undefined;
  #rejection: Extract<ControlFrame, { kind: 'error' }> | undefined;
  #framesReceived = 0;
  #decodeErrors = 0;

  constructor(options: LinkOptions) {
    super();
    const { onMessage, decode = decodeFrame, perMessageDeflate, closeTimeoutMs = DEFAULT_CLOSE_TIMEOUT_MS, wsOptions } =
      options ?? ({} as LinkOptions);
    if (typeof onMessage !== 'function') throw new OptionError('onMessage', onMessage, 'a function');
    if (typeof decode !== 'function') throw new OptionError('decode', decode, 'a function');
    if (typeof closeTimeoutMs !== 'number' || !Number.isFinite(closeTimeoutMs) || closeTimeoutMs < 0) {
      throw new OptionError('closeTimeoutMs', closeTimeoutMs, 'a finite number >= 0');
    }
    this.#onMessage = onMessage;
    this.#decode = decode;
    this.#closeTimeoutMs = closeTimeoutMs;
    this.#wsOptions = {
      handshakeTimeout: DEFAULT_HANDSHAKE_TIMEOUT_MS,
      ...wsOptions,
      perMessageDeflate: perMessageDeflate ?? wsOptions?.perMessageDeflate ?? false,
    };
  }

  /** Whether a socket is open and not closing. */
  get isOpen(): boolean {
    const session = this.#session;
    return session?.phase === 'open' && session.ws.readyState === WebSocket.OPEN;
  }

  /** `Date.now()` when the current socket opened; `undefined` unless one is open. */
  get openedAt(): number | undefined {
    return this.isOpen ? this.#session?.openedAt : undefined;
  }

  /** `Date.now()` of the last inbound frame, ping or pong on any socket; `undefined` before the first. */
  get lastInboundAt(): number | undefined {
    return this.#lastInboundAt;
  }

  /**
   * The INVALID_AUTH error frame the current (or last) socket received, until the next `open()`.
   * Upbit can send it with the handshake, before anyone listens for control frames.
   */
  get rejection(): Extract<ControlFrame, { kind: 'error' }> | undefined {
    return this.#rejection;
  }

  /** Frames received on every socket of this link so far (pings and pongs not counted). */
  get framesReceived(): number {
    return this.#framesReceived;
  }

  /** Frames that could not be decoded (an `invalid` frame or a decoder that threw). */
  get decodeErrors(): number {
    return this.#decodeErrors;
  }

  /** How the last socket closed; `undefined` before any has. */
  get lastClose(): LinkCloseInfo | undefined {
    return this.#lastClose;
  }

  /**
   * Opens a socket to `url`. Resolves once it is open. Rejects with a {@link LinkError} when the
   * upgrade is refused (`status`, `retryAfterMs`) or the connection fails, and with
   * `UpstateError('ERR_ABORTED')` when `signal` aborts or `close()` is called first; the socket is
   * fully closed by the time it rejects. If the previous socket is still closing, waits for it.
   */
  open(url: string, headers?: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(openAbortedError('the signal was aborted', signal.reason));
    const current = this.#session;
    if (current?.phase === 'closing') {
      return untilSettled(current.closed, signal).then(() => this.open(url, headers, signal));
    }
    if (current !== undefined) {
      return Promise.reject(new LinkError(`a socket is already ${current.phase}; close() it first`));
    }
    this.#rejection = undefined;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, { ...this.#wsOptions, headers: { ...this.#wsOptions.headers, ...headers } });
    } catch (error) {
      return Promise.reject(new LinkError(`cannot connect to ${JSON.stringify(url)}: ${messageOf(error)}`, { cause: error }));
    }
    // Upbit sends every frame binary; Buffers decode without a copy.
    ws.binaryType = 'nodebuffer';
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => this.#abortOpening(session, openAbortedError('the signal was aborted', signal?.reason));
      const session = createSession(ws, {
        resolve,
        reject,
        detachAbort: () => signal?.removeEventListener('abort', onAbort),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#session = session;
      this.#attach(session);
    });
  }

  /**
   * Sends one text frame. Resolves once ws has written it to the socket; rejects with a
   * {@link LinkError} if the link is not open or the write fails.
   */
  send(text: string): Promise<void> {
    const session = this.#session;
    if (session === undefined || !this.isOpen) {
      return Promise.reject(new LinkError('cannot send: the link is not open'));
    }
    return new Promise<void>((resolve, reject) => {
      try {
        session.ws.send(text, (error) => {
          if (error) reject(new LinkError(`send failed: ${error.message}`, { cause: error }));
          else resolve();
        });
      } catch (error) {
        reject(new LinkError(`send failed: ${messageOf(error)}`, { cause: error }));
      }
    });
  }

  /** Sends a protocol ping; the answer arrives as `pong` (and `activity`). Does nothing unless open. */
  ping(): void {
    if (!this.isOpen) return;
    try {
      this.#session?.ws.ping();
    } catch {
      // The socket is going away; its own error/close events report that.
    }
  }

  /**
   * Sends a protocol ping and resolves when its pong arrives: the server has read everything sent
   * before it, so an error frame answering an earlier request has arrived by then. Rejects with a
   * {@link LinkError} if the link is not open or closes first.
   */
  roundTrip(): Promise<void> {
    const session = this.#session;
    if (session === undefined || !this.isOpen) {
      return Promise.reject(new LinkError('cannot ping: the link is not open'));
    }
    return new Promise<void>((resolve, reject) => {
      session.pongWaiters.push({ resolve, reject });
      this.ping();
    });
  }

  /**
   * Closes the socket gracefully with `code`, then drops it if the server has not answered within
   * `closeTimeoutMs`. Aborts a pending `open()`. Resolves once the socket is fully closed;
   * resolves at once if there is none. Idempotent.
   *
   * @param code 1000 or an application code from 3000 to 4999. @default 1000
   * @param reason At most 123 bytes of UTF-8. @default ''
   */
  close(code = 1000, reason = ''): Promise<void> {
    if (!isSendableCloseCode(code)) {
      return Promise.reject(new OptionError('code', code, '1000 or an integer from 3000 to 4999'));
    }
    const session = this.#session;
    if (session === undefined) return Promise.resolve();
    if (session.phase === 'opening') {
      this.#abortOpening(session, openAbortedError('close() was called'));
    } else if (session.phase === 'open') {
      session.phase = 'closing';
      try {
        session.ws.close(code, reason);
      } catch {
        // An over-long reason: close without the handshake rather than not at all.
        session.ws.terminate();
      }
      // A stale peer never answers the close frame.
      session.closeTimer = setTimeout(() => session.ws.terminate(), this.#closeTimeoutMs);
    }
    return session.closed;
  }

  #abortOpening(session: Session, error: Error): void {
    session.failure ??= error;
    session.ws.terminate();
  }

  #attach(session: Session): void {
    const { ws } = session;
    ws.on('open', () => this.#socketOnOpen(session));
    ws.on('unexpected-response', (_request, response) => this.#socketOnUnexpectedResponse(session, response));
    ws.on('message', this.#socketOnMessage);
    ws.on('ping', this.#socketOnPing);
    ws.on('pong', this.#socketOnPong);
    ws.on('error', (error) => this.#socketOnError(session, error));
    ws.once('close', (code, reason) => this.#socketOnClose(session, code, reason));
  }

  #socketOnOpen(session: Session): void {
    session.phase = 'open';
    session.openedAt = Date.now();
    const opening = session.opening;
    session.opening = undefined;
    opening?.detachAbort();
    opening?.resolve();
  }

  /** The server answered the upgrade with an HTTP status instead of 101 (429, 418, 401 …). */
  #socketOnUnexpectedResponse(session: Session, response: IncomingMessage): void {
    const status = response.statusCode ?? 0;
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    session.failure ??= new LinkError(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`, {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    // Dropping the connection mid-body makes the response emit 'error'; nothing is left to read.
    response.on('error', ignore);
    session.ws.terminate();
  }

  /** The hot path: decode, then hand data straight to `onMessage`. */
  readonly #socketOnMessage = (data: RawData): void => {
    const at = this.#touch();
    this.#framesReceived++;
    let frame: DecodedFrame;
    try {
      frame = this.#decode(data as Buffer);
    } catch (error) {
      // `decodeFrame` never throws; a custom decoder might.
      this.#decodeErrors++;
      this.#emitSafely('error', new UpstateError('ERR_DECODE', `decode threw: ${messageOf(error)}`, { cause: error }));
      return;
    }
    if (frame.kind === 'message') {
      this.#deliver(frame.message);
    } else if (frame.kind === 'messages') {
      for (const message of frame.messages) this.#deliver(message);
    } else if (frame.kind === 'invalid') {
      this.#decodeErrors++;
      this.#emitSafely('error', new UpstateError('ERR_DECODE', `Undecodable frame: ${frame.reason}`));
    } else {
      if (frame.kind === 'error' && frame.name === 'INVALID_AUTH') this.#rejection = frame;
      this.#emitSafely('control', frame);
    }
    this.#emitActivity(at);
  };

  readonly #socketOnPing = (): void => {
    this.#emitActivity(this.#touch());
  };

  readonly #socketOnPong = (): void => {
    const at = this.#touch();
    for (const waiter of this.#session?.pongWaiters.splice(0) ?? []) waiter.resolve();
    this.#emitActivity(at);
  };

  #socketOnError(session: Session, error: Error): void {
    if (session.opening !== undefined) {
      session.failure ??= new LinkError(messageOf(error), { cause: error });
      return;
    }
    if (session.errored) return;
    session.errored = true;
    this.#emitSafely('error', new LinkError(messageOf(error), { cause: error }));
  }

  #socketOnClose(session: Session, code: number, reason: Buffer): void {
    if (this.#session === session) this.#session = undefined;
    clearTimeout(session.closeTimer);
    const info: LinkCloseInfo = { code, reason: reason.toString('utf8'), wasClean: code !== ABNORMAL_CLOSURE };
    this.#lastClose = info;
    session.markClosed();
    for (const waiter of session.pongWaiters.splice(0)) waiter.reject(new LinkError(`closed before the pong (${code})`));
    const opening = session.opening;
    if (opening !== undefined) {
      session.opening = undefined;
      opening.detachAbort();
      opening.reject(session.failure ?? new LinkError(`closed during the opening handshake (${code})`));
      return;
    }
    this.#emitSafely('close', info);
  }

  #touch(): number {
    const at = Date.now();
    this.#lastInboundAt = at;
    return at;
  }

  #deliver(message: UpbitMessage): void {
    try {
      this.#onMessage(message);
    } catch (error) {
      this.#emitSafely('error', new UpstateError('ERR_HANDLER', `onMessage threw: ${messageOf(error)}`, { cause: error }));
    }
  }

  #emitActivity(at: number): void {
    if (this.listenerCount('activity') > 0) this.#emitSafely('activity', at);
  }

  /** Emits without letting a listener's exception into the socket callback. */
  #emitSafely<E extends keyof LinkEvents>(event: E, ...args: LinkEvents[E]): void {
    try {
      (this.emit as (event: E, ...args: LinkEvents[E]) => boolean)(event, ...args);
    } catch (error) {
      if (event === 'error') return;
      try {
        this.emit('error', new UpstateError('ERR_HANDLER', `a '${event}' listener threw: ${messageOf(error)}`, { cause: error }));
      } catch {
        // An 'error' listener that throws has nobody left to tell.
      }
    }
  }
}

function createSession(ws: WebSocket, opening: NonNullable<Session['opening']>): Session {
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  return { ws, phase: 'opening', opening, errored: false, pongWaiters: [], closed, markClosed };
}

/** `promise`, or an `ERR_ABORTED` rejection as soon as `signal` aborts. */
function untilSettled(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(openAbortedError('the signal was aborted', signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}

/** Codes an endpoint may send (RFC 6455 §7.4: 1000, or 3000–4999 for libraries and applications). */
function isSendableCloseCode(code: unknown): code is number {
  return Number.isInteger(code) && (code === 1000 || ((code as number) >= 3000 && (code as number) <= 4999));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ignore(): void {}
