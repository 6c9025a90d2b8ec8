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

export function grantTimes(outcomes: readonly Outcome[]): number[] {
  return outcomes.flatMap((outcome) => (outcome.grantedAt === undefined ? [] : [outcome.grantedAt]));
}
