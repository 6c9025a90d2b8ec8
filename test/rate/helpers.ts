import type { RateGate } from '../../src/rate/gate.js';

/** How one `acquire()` ended, on the fake clock. */
export interface Outcome {
  grantedAt?: number;
  error?: unknown;
}

/** Calls `gate.acquire(signal)` and records when (on the fake clock) it settles. */
export function track(gate: RateGate, signal?: AbortSignal, onGranted?: () => void): Outcome {
  const outcome: Outcome = {};
  gate.acquire(signal).then(
    () => {
      outcome.grantedAt = performance.now();
      onGranted?.();
    },
    (error: unknown) => {
      outcome.error = error;
    },
  );
  return outcome;
}

/** The largest number of grant times that fall into one rolling interval `(t - intervalMs, t]`. */
export function busiestWindow(times: readonly number[], intervalMs: number): number {
  let busiest = 0;
  for (const end of times) {
    const inWindow = times.filter((at) => at > end - intervalMs && at <= end).length;
    busiest = Math.max(busiest, inWindow);
  }
  return busiest;
}

export function grantTimes(outcomes: readonly Outcome[]): number[] {
  return outcomes.flatMap((outcome) => (outcome.grantedAt === undefined ? [] : [outcome.grantedAt]));
}
