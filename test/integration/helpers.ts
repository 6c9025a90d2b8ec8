/**
 * Helpers for the network tests of the orchestrator against the embedded exchange on 127.0.0.1
 * (port 0): awaiting events with a bounded timeout instead of sleeping, exchanges and
 * orchestrators that are closed after every test, and readers of what the exchange holds.
 */
import { EventEmitter } from 'eventemitter3';
import { afterEach, vi } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../../src/orchestrator.js';
import type { OrchestratorOptions } from '../../src/options.js';
import type { ParsedTypeField, UpbitMessage } from '../../src/protocol/upbit/types.js';
import { upbitConnectGate } from '../../src/rate/index.js';
import type { SlidingWindowGate } from '../../src/rate/index.js';
import { startExchange } from '../../src/sim/index.js';
import type { ConnectionInfo, ExchangeHandle, ExchangeOptions, RequestRecord } from '../../src/sim/index.js';

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

// ── fake time over real sockets ───────────────────────────────────────────────

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

/**
 * A subscriber that keeps what it receives and lets a test await a message instead of sleeping.
 * Pass `inbox.handler` to `subscribe`/`register` (or anything else that calls back).
 */
export class Inbox<M = UpbitMessage> extends EventEmitter<{ message: [message: M] }> {
  readonly messages: M[] = [];
  readonly handler = (message: M): void => {
    this.messages.push(message);
    this.emit('message', message);
  };

  /** Messages received so far that satisfy `predicate`. */
  count(predicate: (message: M) => boolean = () => true): number {
    return this.messages.filter(predicate).length;
  }

  /** Resolves once `count` messages satisfying `predicate` have arrived (counting those already here). */
  async until(predicate: (message: M) => boolean, count = 1, what = 'messages'): Promise<M[]> {
    await waitUntil(() => this.count(predicate) >= count, [[this, 'message']], `${count} ${what}`);
    return this.messages.filter(predicate);
  }
}

// ── exchanges and orchestrators, closed after every test ─────────────────────

const exchanges = new Set<ExchangeHandle>();
const orchestrators = new Set<Orchestrator>();
const gates = new Set<SlidingWindowGate>();

afterEach(async () => {
  // Clients first, so the exchange sees them leave; then the exchanges.
  await Promise.all([...orchestrators].map((orchestrator) => orchestrator.close()));
  orchestrators.clear();
  for (const gate of gates) gate.close();
  gates.clear();
  await Promise.all([...exchanges].map((exchange) => exchange.close()));
  exchanges.clear();
});

/** An exchange on 127.0.0.1, port 0, with manual market ticks (`tick()`) unless told otherwise. */
export async function startTestExchange(options: ExchangeOptions = {}): Promise<ExchangeHandle> {
  const exchange = await startExchange({ tickMs: 0, ...options });
  exchanges.add(exchange);
  return exchange;
}

/**
 * Quick defaults for tests on the real clock: a short debounce, linger and backoff, a fixed
 * jitter, and a connection gate of its own (the process-wide one would carry over between tests).
 */
export const FAST: OrchestratorOptions = {
  debounceMs: 5,
  lingerMs: 30,
  backoff: { initialMs: 5, maxMs: 50 },
  random: () => 0.5,
};

/** An orchestrator pointed at `exchange`, closed after the test. `options` go on top of `FAST`. */
export function orchestratorFor(exchange: ExchangeHandle, options: OrchestratorOptions = {}): Orchestrator {
  const connectGate = upbitConnectGate();
  gates.add(connectGate);
  const orchestrator = createOrchestrator({
    ...FAST,
    connectGate,
    ...options,
    endpoints: { public: exchange.url, private: exchange.privateUrl, ...options.endpoints },
  });
  orchestrators.add(orchestrator);
  return orchestrator;
}

// ── reading the exchange ──────────────────────────────────────────────────────

/** Subscription requests (not PINGs, lists or rejected ones) the exchange received, in order. */
export function subscribeRequests(exchange: ExchangeHandle, connectionId?: string): RequestRecord[] {
  return exchange.requests.filter(
    (record) =>
      record.result.ok && record.result.kind === 'subscribe' && (connectionId === undefined || record.connectionId === connectionId),
  );
}

/** The parsed fields of a subscription request. */
export function fieldsOf(record: RequestRecord): readonly ParsedTypeField[] {
  if (!record.result.ok || record.result.kind !== 'subscribe') throw new Error(`not a subscription: ${record.text}`);
  return record.result.fields;
}

/**
 * What a subscription streams in realtime, as sorted `type code` strings (orderbooks:
 * `orderbook code.depth@level`): the set to compare with the desired state.
 */
export function realtimeStreams(fields: readonly ParsedTypeField[]): string[] {
  return streamsOf(fields.filter((field) => field.realtime));
}

/** Every stream a subscription names, realtime or snapshot, as sorted unique strings. */
export function streamsOf(fields: readonly ParsedTypeField[]): string[] {
  const streams = new Set<string>();
  for (const field of fields) {
    for (const { code, depth } of field.codes ?? [{ code: '*' }]) {
      streams.add(field.type === 'orderbook' ? `orderbook ${code}.${depth ?? 30}@${field.level ?? 0}` : `${field.type} ${code}`);
    }
  }
  return [...streams].sort();
}

/** The one open connection of `kind`; fails the test when there is not exactly one. */
export function onlyConnection(exchange: ExchangeHandle, kind: 'public' | 'private' = 'public'): ConnectionInfo {
  const open = exchange.connections().filter((connection) => connection.kind === kind);
  if (open.length !== 1) throw new Error(`expected one open ${kind} connection, found ${open.length}`);
  return open[0]!;
}

/**
 * The subscription request that follows the first `already` ones (on any connection), once the
 * exchange has it. Counting, not listening, so a request that arrived before the call counts too.
 */
export async function nextSubscription(exchange: ExchangeHandle, already: number): Promise<RequestRecord> {
  await waitUntil(() => subscribeRequests(exchange).length > already, [[exchange, 'request']], `subscription request #${already + 1}`);
  return subscribeRequests(exchange)[already]!;
}
