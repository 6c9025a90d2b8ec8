/**
 * Bounded waits on the real clock, for tests that await an event instead of sleeping: each
 * rejects, naming what it waited for, when it does not come in time.
 */
import type { EventEmitter } from 'eventemitter3';

/**
 * The real `setTimeout`/`clearTimeout`, captured before any test installs fake timers: the
 * bounded waits below must time out on the real clock even while the code under test runs on
 * fake time.
 */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** How long a wait for a network event may take before the test fails (real milliseconds). */
export const WAIT_MS = 5_000;

type Args<T extends EventEmitter.ValidEventTypes, K extends EventEmitter.EventNames<T>> = EventEmitter.EventArgs<T, K>;

/**
 * Resolves with the arguments of the next `event` whose arguments satisfy `predicate`; rejects
 * after `timeoutMs` of real time, naming the event.
 */
export function waitFor<T extends EventEmitter.ValidEventTypes, K extends EventEmitter.EventNames<T>>(
  emitter: EventEmitter<T>,
  event: K,
  predicate: (...args: Args<T, K>) => boolean = () => true,
  timeoutMs = WAIT_MS,
): Promise<Args<T, K>> {
  return new Promise((resolve, reject) => {
    const listener = ((...args: Args<T, K>) => {
      if (!predicate(...args)) return;
      realClearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    }) as EventEmitter.EventListener<T, K>;
    const timer = realSetTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`waitFor: no matching '${String(event)}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** `promise`, or a rejection naming `what` if it has not settled within `timeoutMs` of real time. */
export function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = realSetTimeout(() => reject(new Error(`within: ${what} did not settle within ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        realClearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        realClearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** An emitter and one of its events: a moment worth checking a condition again. */
export type Trigger = readonly [emitter: EventEmitter<any>, event: string];

/**
 * Resolves once `condition()` holds, checking it now and again after each `triggers` event;
 * rejects after `timeoutMs` of real time with `what` in the message.
 */
export function waitUntil(
  condition: () => boolean,
  triggers: readonly Trigger[],
  what = 'condition',
  timeoutMs = WAIT_MS,
): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!condition()) return;
      stop();
      resolve();
    };
    const stop = (): void => {
      realClearTimeout(timer);
      for (const [emitter, event] of triggers) emitter.off(event, check);
    };
    const timer = realSetTimeout(() => {
      stop();
      reject(new Error(`waitUntil: ${what} did not hold within ${timeoutMs} ms`));
    }, timeoutMs);
    for (const [emitter, event] of triggers) emitter.on(event, check);
  });
}

/** Resolves on the next macrotask of the real event loop (socket I/O may run meanwhile). */
export function realTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
