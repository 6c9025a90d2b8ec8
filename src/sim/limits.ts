/**
 * Upbit's WebSocket limits, enforced the strict way: sliding windows, not token buckets (a bucket
 * of 5 lets 9 frames into one rolling second). Source: https://docs.upbit.com/reference/rate-limits
 * - connection requests: 5 a second, per IP (per account when the handshake carries a JWT);
 *   a request with an `Origin` header: 1 per 10 seconds;
 * - data requests: 5 a second and 100 a minute, per connection.
 *
 * Only admitted events count: Upbit's guide says failed requests are not counted.
 *
 * Deliberately independent of the client's gate (src/rate/sliding-window.ts): the exchange polices
 * that client, and a shared implementation would let one bug pass on both sides unnoticed.
 */

/** At most `limit` admissions in any half-open window `(now - windowMs, now]`. */
export class SlidingWindow {
  /** The last `limit` admission times, as a ring (oldest at `head` once full). */
  private readonly times: number[] = [];
  private head = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Whether an event at `now` would be admitted. */
  allows(now: number): boolean {
    if (this.times.length < this.limit) return true;
    return now - (this.times[this.head] ?? Number.NEGATIVE_INFINITY) >= this.windowMs;
  }

  /** Records an admission at `now` (call only after `allows(now)`). */
  record(now: number): void {
    if (this.times.length < this.limit) {
      this.times.push(now);
      return;
    }
    this.times[this.head] = now;
    this.head = (this.head + 1) % this.limit;
  }

  /** Admits and records at once; `false` leaves the window untouched. */
  tryAdmit(now: number): boolean {
    if (!this.allows(now)) return false;
    this.record(now);
    return true;
  }

  /** Whether nothing admitted is still inside the window at `now` (the window can be forgotten). */
  isIdle(now: number): boolean {
    const newest = this.times.length < this.limit ? this.times.at(-1) : this.times[(this.head + this.limit - 1) % this.limit];
    return newest === undefined || now - newest >= this.windowMs;
  }
}

/** Several windows that admit together or not at all (5/s and 100/min). */
export class WindowSet {
  constructor(private readonly windows: readonly SlidingWindow[]) {}

  /** The first window that refuses `now`, or `undefined` when all admit (and then all record it). */
  tryAdmit(now: number): SlidingWindow | undefined {
    const refusing = this.windows.find((window) => !window.allows(now));
    if (refusing !== undefined) return refusing;
    for (const window of this.windows) window.record(now);
    return undefined;
  }
}

/** Sliding windows per key (an IP or an account), forgotten once idle. */
export class KeyedWindows {
  private readonly windows = new Map<string, SlidingWindow>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** How many keys are remembered. */
  get size(): number {
    return this.windows.size;
  }

  allows(key: string, now: number): boolean {
    return this.windows.get(key)?.allows(now) ?? true;
  }

  record(key: string, now: number): void {
    if (this.windows.size > 1024) this.forgetIdle(now);
    let window = this.windows.get(key);
    if (window === undefined) {
      window = new SlidingWindow(this.limit, this.windowMs);
      this.windows.set(key, window);
    }
    window.record(now);
  }

  private forgetIdle(now: number): void {
    for (const [key, window] of this.windows) if (window.isIdle(now)) this.windows.delete(key);
  }
}
