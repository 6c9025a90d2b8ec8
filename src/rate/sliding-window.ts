import { OptionError, UpstateError } from '../errors.js';
import type { RateGate } from './gate.js';
import { GrantLog } from './grant-log.js';

/** At most `limit` grants in any rolling `intervalMs`. */
export interface RateWindow {
  /** Grants allowed per interval: an integer from 1 to {@link MAX_WINDOW_LIMIT}. */
  readonly limit: number;
  /** Length of the rolling interval in milliseconds: a finite number > 0. */
  readonly intervalMs: number;
}

export interface SlidingWindowOptions {
  /**
   * Every window must allow a grant for it to be given. Upbit's message limit, for example, is
   * `[{ limit: 5, intervalMs: 1_000 }, { limit: 100, intervalMs: 60_000 }]`.
   */
  readonly windows: readonly RateWindow[];
  /**
   * Monotonic clock in milliseconds. Fake timers replace the default too.
   * @default performance.now
   */
  readonly now?: () => number;
}

export interface SlidingWindowStats {
  /** Grants given so far. */
  readonly granted: number;
  /** Grants that were not free when asked for and had to wait. */
  readonly waited: number;
  /** Callers waiting right now. */
  readonly waiting: number;
  /** Per window, in the order given: grants that window would still allow right now. */
  readonly headroom: readonly number[];
}

/** Largest accepted `limit`: the grant log holds this many timestamps. */
export const MAX_WINDOW_LIMIT = 100_000;

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: UpstateError) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * A strict sliding-window rate gate: a grant is given only if, for every window, fewer than
 * `limit` grants were given in the last `intervalMs`. Unlike a token bucket, which lets a full
 * bucket plus its refill through (9 frames in one rolling second with a bucket of 5), no rolling
 * interval ever holds more than `limit` grants — which is how Upbit counts ("5 per second and
 * 100 per minute per connection", https://docs.upbit.com/reference/rate-limits).
 *
 * Waiters are served FIFO with a single timer armed for the head of the queue.
 *
 * @example
 * const gate = new SlidingWindowGate({ windows: [{ limit: 5, intervalMs: 1_000 }] });
 * await gate.acquire(signal);
 * socket.send(message);
 */
export class SlidingWindowGate implements RateGate {
  readonly #windows: readonly RateWindow[];
  readonly #now: () => number;
  readonly #log: GrantLog;
  /** Insertion-ordered: the first entry is the head of the queue; removal from anywhere is O(1). */
  readonly #waiters = new Set<Waiter>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #granted = 0;
  #waited = 0;

  constructor(options: SlidingWindowOptions) {
    const { windows, now } = validateOptions(options);
    this.#windows = windows;
    this.#now = now;
    this.#log = new GrantLog(Math.max(...windows.map((window) => window.limit)));
  }

  /**
   * Resolves once every window allows a grant and the callers before this one have been served.
   * Rejects with `ERR_ABORTED` when `signal` aborts first (nothing is taken, the next caller moves
   * up) or the gate closes, and with `ERR_CLOSED` after `close()`.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: () => this.#cancel(waiter) };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.add(waiter);
      if (this.#waiters.size === 1) this.#serve();
    });
  }

  /** Takes a grant only if every window allows one now and nobody is waiting. */
  tryAcquire(): boolean {
    if (this.#closed || this.#waiters.size > 0) return false;
    const now = this.#now();
    if (this.#earliestGrantAt(now, 0) > now) return false;
    this.#grant(now);
    return true;
  }

  /** Accounts for the callers already waiting: they are served first. 0 if free, `Infinity` once closed. */
  delayMs(): number {
    if (this.#closed) return Number.POSITIVE_INFINITY;
    const now = this.#now();
    return Math.ceil(this.#earliestGrantAt(now, this.#waiters.size) - now);
  }

  /** Counters and the per-window headroom, read now. */
  stats(): SlidingWindowStats {
    const now = this.#now();
    return {
      granted: this.#granted,
      waited: this.#waited,
      waiting: this.#waiters.size,
      headroom: this.#windows.map(
        ({ limit, intervalMs }) => limit - Math.min(limit, this.#log.countAfter(now - intervalMs)),
      ),
    };
  }

  /**
   * Rejects every waiter with `ERR_ABORTED` and stops the timer. Afterwards `acquire()` rejects
   * with `ERR_CLOSED` and `tryAcquire()` returns false. Idempotent.
   */
  close(): void {
    this.#closed = true;
    this.#clearTimer();
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new UpstateError('ERR_ABORTED', 'Rate gate wait was aborted: the gate was closed'));
    }
  }

  /** Grants to waiters from the head while grants are free; then arms one timer for the head. */
  #serve(): void {
    this.#clearTimer();
    const now = this.#now();
    for (const waiter of this.#waiters) {
      const wait = this.#earliestGrantAt(now, 0) - now;
      if (wait > 0) {
        // A timer may fire a fraction early against the clock; `#serve` then simply re-arms.
        this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.ceil(wait)));
        return;
      }
      this.#waiters.delete(waiter);
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.#waited += 1;
      this.#grant(now);
      waiter.resolve();
    }
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#serve();
  };

  #cancel(waiter: Waiter): void {
    const wasHead = this.#waiters.values().next().value === waiter;
    if (!this.#waiters.delete(waiter)) return;
    waiter.reject(abortedError(waiter.signal));
    // The next waiter inherits the head's place (and its timer); nobody else moves.
    if (wasHead) this.#serve();
  }

  #grant(at: number): void {
    this.#log.record(at);
    this.#granted += 1;
  }

  /**
   * Earliest time at or after `now` a grant is allowed once `ahead` earlier callers have been
   * served as early as possible. With nobody ahead this reads the log only: O(windows).
   */
  #earliestGrantAt(now: number, ahead: number): number {
    const planned: number[] = [];
    let at = now;
    for (let i = 0; i <= ahead; i += 1) {
      for (const { limit, intervalMs } of this.#windows) {
        // The limit-th most recent grant, counting the planned ones as the newest.
        const nth =
          limit <= planned.length ? planned[planned.length - limit] : this.#log.recent(limit - planned.length);
        if (nth !== undefined) at = Math.max(at, nth + intervalMs);
      }
      planned.push(at);
    }
    return at;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function abortedError(signal: AbortSignal | undefined): UpstateError {
  return new UpstateError('ERR_ABORTED', 'Rate gate wait was aborted', { cause: signal?.reason });
}

function closedError(): UpstateError {
  return new UpstateError('ERR_CLOSED', 'Rate gate was used after close()');
}

function validateOptions(options: SlidingWindowOptions): Required<SlidingWindowOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new OptionError('options', options, 'an object with `windows`');
  }
  const { windows, now = () => performance.now() } = options;
  if (!Array.isArray(windows) || windows.length === 0) {
    throw new OptionError('windows', windows, 'a non-empty array of { limit, intervalMs }');
  }
  windows.forEach((window: unknown, index) => {
    if (typeof window !== 'object' || window === null) {
      throw new OptionError(`windows[${index}]`, window, 'an object { limit, intervalMs }');
    }
    const { limit, intervalMs } = window as Partial<RateWindow>;
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_WINDOW_LIMIT) {
      throw new OptionError(`windows[${index}].limit`, limit, `an integer from 1 to ${MAX_WINDOW_LIMIT}`);
    }
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new OptionError(`windows[${index}].intervalMs`, intervalMs, 'a finite number > 0');
    }
  });
  if (typeof now !== 'function') throw new OptionError('now', now, 'a function returning milliseconds');
  return { windows: windows.map(({ limit, intervalMs }) => ({ limit, intervalMs })), now };
}
