import { SimulatedClock } from 'xstate';

/**
 * XState's SimulatedClock that also knows when its next timer is due, so a replay can let the
 * caller's own timers (a rate gate's wait, a write's latency) run up to a limit without firing
 * the machine's timers early.
 */
export class PathClock extends SimulatedClock {
  readonly #due = new Map<number, number>();

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id = super.setTimeout(() => {
      this.#due.delete(id);
      fn();
    }, timeout);
    this.#due.set(id, this.now() + timeout);
    return id;
  }

  override clearTimeout(id: number): void {
    this.#due.delete(id);
    super.clearTimeout(id);
  }

  /** The earliest due time of a pending timer before `limit`, if any. */
  nextDueBefore(limit: number): number | undefined {
    let next: number | undefined;
    for (const due of this.#due.values()) if (due < limit && (next === undefined || due < next)) next = due;
    return next;
  }

  /** Waits `ms` of simulated time: a promise for the caller's actors. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const id = this.setTimeout(() => resolve(), ms);
      signal?.addEventListener('abort', () => {
        this.clearTimeout(id);
        reject(signal.reason);
      });
    });
  }
}
