/**
 * Fake time over real sockets: the clocks and timers are fake, socket I/O is real, so a test can
 * run minutes of an orchestrator's life against the embedded exchange in a second.
 */
import { vi } from 'vitest';
import { realTick } from './wait.js';

/**
 * Fakes the clocks and timers only: sockets are real, so `setImmediate`, `nextTick` and
 * `queueMicrotask` stay real and socket I/O still runs. Undo with `vi.useRealTimers()`.
 */
export function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
}

/**
 * Advances fake time by `ms`, one timer at a time, and after each timer waits (on the real
 * clock) for `quiet()`: whatever that timer put on a socket reaches its peer at the fake instant
 * it was sent, never later.
 */
export async function advanceStepwise(ms: number, quiet: () => Promise<void>): Promise<void> {
  let reached = false;
  setTimeout(() => {
    reached = true;
  }, ms);
  while (!reached) {
    await vi.advanceTimersToNextTimerAsync();
    await realTick();
    await quiet();
  }
}
