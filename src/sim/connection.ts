/**
 * One accepted WebSocket on the exchange: its subscription and format, its message-rate windows,
 * its idle timer and its `{"status":"UP"}` keepalive, and the half-open switch of the faults.
 * Everything it sends goes through `send`, which counts frames and respects the silence fault.
 */
import type { WebSocket } from 'ws';
import type { ConnectionKind, Format } from '../protocol/upbit/types.js';
import { errorFrame, type SimErrorName, STATUS_UP_FRAME } from './frames.js';
import type { ConnectionInfo, ExchangeCounters, ExchangePath } from './handle.js';
import { PRIVATE_PATH } from './handle.js';
import { SlidingWindow, WindowSet } from './limits.js';
import type { ResolvedExchangeOptions } from './options.js';
import { EMPTY_SUBSCRIPTION, type Subscription } from './subscription.js';

/** Upbit: after a text PING the server answers `{"status":"UP"}`, then repeats it every 10 s. */
export const STATUS_INTERVAL_MS = 10_000;

export interface ConnectionSetup {
  readonly id: string;
  readonly path: ExchangePath;
  readonly remoteAddress: string;
  readonly accessKey: string | undefined;
  readonly socket: WebSocket;
  readonly options: ResolvedExchangeOptions;
  readonly counters: ExchangeCounters;
  /** Called when the connection has been quiet either way for `idleTimeoutMs`. */
  readonly onIdle: (connection: SimConnection) => void;
}

export class SimConnection {
  readonly id: string;
  readonly path: ExchangePath;
  readonly kind: ConnectionKind;
  readonly remoteAddress: string;
  readonly accessKey: string | undefined;
  readonly socket: WebSocket;
  format: Format = 'DEFAULT';
  subscription: Subscription = EMPTY_SUBSCRIPTION;
  /** Half-open (faults.silence): nothing goes out, nothing coming in is processed. */
  silenced = false;
  /** The exchange decided to end it; later messages are ignored. */
  closing = false;

  private readonly counters: ExchangeCounters;
  private readonly idleTimeoutMs: number;
  private readonly onIdle: (connection: SimConnection) => void;
  private readonly messageWindows: WindowSet | undefined;
  private lastActivity: number;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private statusTimer: ReturnType<typeof setInterval> | undefined;

  constructor(setup: ConnectionSetup) {
    this.id = setup.id;
    this.path = setup.path;
    this.kind = setup.path === PRIVATE_PATH ? 'private' : 'public';
    this.remoteAddress = setup.remoteAddress;
    this.accessKey = setup.accessKey;
    this.socket = setup.socket;
    this.counters = setup.counters;
    this.idleTimeoutMs = setup.options.idleTimeoutMs;
    this.onIdle = setup.onIdle;
    const limits = setup.options.limits;
    this.messageWindows =
      limits === undefined
        ? undefined
        : new WindowSet([
            new SlidingWindow(limits.messagesPerSecond, 1_000),
            new SlidingWindow(limits.messagesPerMinute, 60_000),
          ]);
    this.lastActivity = Date.now();
    this.scheduleIdleCheck(this.idleTimeoutMs);
  }

  info(): ConnectionInfo {
    return {
      id: this.id,
      path: this.path,
      kind: this.kind,
      remoteAddress: this.remoteAddress,
      format: this.format,
      subscription: this.subscription.fields,
      ...(this.accessKey === undefined ? {} : { accessKey: this.accessKey }),
      silenced: this.silenced,
    };
  }

  /** Whether the socket can carry frames now (open, not being closed, not silenced). */
  get canSend(): boolean {
    return !this.closing && !this.silenced && this.socket.readyState === this.socket.OPEN;
  }

  /** Sends frames in order; returns how many went out (none while silenced or closing). */
  send(frames: readonly Buffer[]): number {
    if (frames.length === 0) return 0;
    if (!this.canSend) {
      if (this.silenced) this.counters.droppedWhileSilenced += frames.length;
      return 0;
    }
    for (const frame of frames) this.socket.send(frame, { binary: true });
    this.counters.framesSent += frames.length;
    this.touch();
    return frames.length;
  }

  /**
   * Sends frames like `send`, and resolves with how many once the last has been handed to the
   * kernel (0 if none could go out, or the socket failed on the way): the pace of a replay.
   */
  sendFlushed(frames: readonly Buffer[]): Promise<number> {
    if (frames.length === 0 || !this.canSend) return Promise.resolve(this.send(frames));
    return new Promise((resolve) => {
      const last = frames.length - 1;
      frames.forEach((frame, index) =>
        this.socket.send(frame, { binary: true }, index === last ? (error) => resolve(error ? 0 : frames.length) : undefined),
      );
      this.counters.framesSent += frames.length;
      this.touch();
    });
  }

  /** Sends an error frame (`{"error":{"name","message"}}`). */
  sendError(name: SimErrorName, message: string): void {
    if (this.send([errorFrame(name, message)]) > 0) this.counters.errorsSent++;
  }

  /** Sends `{"status":"UP"}`. */
  sendStatus(): void {
    if (this.send([STATUS_UP_FRAME]) > 0) this.counters.statusSent++;
  }

  /** Counts a client message against the 5/s and 100/min windows; `false` when over the limit. */
  admitMessage(now: number): boolean {
    return this.messageWindows?.tryAdmit(now) === undefined;
  }

  /** Any traffic either way (a message, a frame sent, a protocol ping) keeps the connection alive. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Answers a text PING, and from the first one on repeats the status every 10 s. */
  answerPing(): void {
    this.sendStatus();
    this.statusTimer ??= setInterval(() => this.sendStatus(), STATUS_INTERVAL_MS);
  }

  setSilenced(on: boolean): boolean {
    if (this.silenced === on) return false;
    this.silenced = on;
    // Leaving the half-open state restarts the idle clock: the silence was the fault's, not the client's.
    if (!on) this.touch();
    return true;
  }

  /** Stops every timer of this connection. */
  dispose(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer);
    this.idleTimer = undefined;
    this.statusTimer = undefined;
  }

  /**
   * One timer per connection, rescheduled lazily: traffic only stamps `lastActivity`, and the
   * timer, when it fires early, waits for the rest of the timeout instead of being reset per frame.
   */
  private scheduleIdleCheck(delay: number): void {
    this.idleTimer = setTimeout(() => this.checkIdle(), delay);
  }

  private checkIdle(): void {
    this.idleTimer = undefined;
    if (this.closing) return;
    const now = Date.now();
    if (this.silenced) {
      // A half-open connection is the fault's business; the server does not time it out.
      this.lastActivity = now;
      this.scheduleIdleCheck(this.idleTimeoutMs);
      return;
    }
    const quietFor = now - this.lastActivity;
    if (quietFor >= this.idleTimeoutMs) this.onIdle(this);
    else this.scheduleIdleCheck(this.idleTimeoutMs - quietFor);
  }
}
