import { DEFAULTS } from '../defaults.js';
import type { RateGate } from './gate.js';
import { SlidingWindowGate, type SlidingWindowStats } from './sliding-window.js';

// Upbit counts per second and per minute: https://docs.upbit.com/reference/rate-limits
const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;

/**
 * Slack added to every Upbit window. Upbit counts a message when it arrives, and our gate counts
 * it when it is sent: if the fifth-previous message was delayed in transit more than this one,
 * exactly 1 s between sends can be 999 ms between arrivals, and the exchange refuses it. The
 * margin absorbs that much variation in latency, for about 10% of the peak rate.
 */
export const UPBIT_MARGIN_MS = 100;

/**
 * The gate for WebSocket connection requests: Upbit allows 5 per second, counted per IP
 * (public) or per account (private). Create one per process and share it among every
 * connection, so reconnect storms of several connections still stay within the limit.
 *
 * @param limit Connection requests per rolling second. @default 5
 */
export function upbitConnectGate(limit: number = DEFAULTS.limits.connectPerSecond, marginMs = UPBIT_MARGIN_MS): SlidingWindowGate {
  return new SlidingWindowGate({ windows: [{ limit, intervalMs: SECOND_MS + marginMs }] });
}

/** A gate shared by the whole process: it can be used and observed, never closed. */
export interface SharedRateGate extends RateGate {
  stats(): SlidingWindowStats;
}

/**
 * Where the process-wide gates live: on `globalThis` under a registered symbol, not in this
 * module. The ESM and the CommonJS build each carry their own copy of this module, and a process
 * may load both (an ESM service with a CommonJS dependency that also uses upstate); a module-level
 * map would give it two budgets. The `v1` is the shape of the entries: a build with another shape
 * must use another key.
 */
const REGISTRY_KEY = Symbol.for('upstate.sharedConnectGates.v1');

function sharedConnectGates(): Map<number, SharedRateGate> {
  const holder = globalThis as { [REGISTRY_KEY]?: Map<number, SharedRateGate> };
  return (holder[REGISTRY_KEY] ??= new Map<number, SharedRateGate>());
}

/**
 * The process-wide connection gate: every caller asking for the same `limit` gets the same gate,
 * so all orchestrators of a process share Upbit's connection budget, whichever build (ESM or
 * CommonJS) created them. It has no `close()`: one
 * owner closing it would break the others. Tests that need a fresh clock should pass their own
 * gate (`upbitConnectGate()`) instead.
 *
 * @param limit Connection requests per rolling second. @default 5
 */
export function sharedConnectGate(limit: number = DEFAULTS.limits.connectPerSecond): SharedRateGate {
  const gates = sharedConnectGates();
  let shared = gates.get(limit);
  if (shared === undefined) {
    const gate = upbitConnectGate(limit);
    shared = {
      acquire: (signal) => gate.acquire(signal),
      tryAcquire: () => gate.tryAcquire(),
      delayMs: () => gate.delayMs(),
      stats: () => gate.stats(),
    };
    gates.set(limit, shared);
  }
  return shared;
}

export interface UpbitMessageGateOptions {
  /** Messages per rolling second. @default 5 */
  readonly perSecond?: number;
  /** Messages per rolling minute. @default 100 */
  readonly perMinute?: number;
  /** Slack added to each window for latency variation. @default UPBIT_MARGIN_MS (100) */
  readonly marginMs?: number;
}

/**
 * The gate for messages sent on one connection: Upbit allows 5 per second and 100 per minute,
 * per connection. Create one per connection.
 */
export function upbitMessageGate({
  perSecond = DEFAULTS.limits.messagesPerSecond,
  perMinute = DEFAULTS.limits.messagesPerMinute,
  marginMs = UPBIT_MARGIN_MS,
}: UpbitMessageGateOptions = {}): SlidingWindowGate {
  return new SlidingWindowGate({
    windows: [
      { limit: perSecond, intervalMs: SECOND_MS + marginMs },
      { limit: perMinute, intervalMs: MINUTE_MS + marginMs },
    ],
  });
}
