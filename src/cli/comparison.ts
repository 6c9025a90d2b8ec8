/**
 * The seed's comparison, measured: N concurrent subscription requests sent naively (one message
 * per change, see `NaiveSender`) and through a fresh orchestrator's pending flush. Each side talks
 * to its own embedded exchange with Upbit's limits, so the exchange's records are that side's
 * alone: messages are counted and timed where they arrive, never estimated.
 */
import { createOrchestrator } from '../orchestrator.js';
import type { DataType, ParsedTypeField } from '../protocol/upbit/types.js';
import { upbitConnectGate, upbitMessageGate } from '../rate/index.js';
import { DEFAULT_MARKETS, startExchange } from '../sim/index.js';
import type { ExchangeHandle, RequestRecord } from '../sim/index.js';
import { NaiveSender } from './naive-sender.js';

/** The request counts `upstate demo` compares by default. */
export const DEFAULT_COMPARISON: readonly number[] = [1, 5, 10, 100];
/** Upbit allows 100 messages a minute per connection: beyond, the naive side waits minutes. */
export const MAX_COMPARISON_REQUESTS = 100;

const SCENARIO_TYPES: readonly DataType[] = ['ticker', 'trade', 'orderbook', 'candle.1m', 'candle.5m'];

/** One subscription change: a component asking for one stream. */
export interface Change {
  readonly type: DataType;
  readonly code: string;
}

export interface SideResult {
  /** Subscription messages the exchange received after the requests were made. */
  readonly messages: number;
  /** Milliseconds until a message gave the exchange every requested stream. */
  readonly fullStateMs: number;
  /** Milliseconds until the last message arrived: the exchange holds the full state and nothing more is coming. */
  readonly settledMs: number;
}

export interface ComparisonRow {
  readonly requests: number;
  readonly naive: SideResult;
  readonly flush: SideResult;
}

export interface Comparison {
  /** The rows in the order of the request counts; rejects if a run fails or `signal` aborts. */
  readonly result: Promise<ComparisonRow[]>;
  /** The rows of the scenarios complete so far, in the order of the request counts. */
  finished(): ComparisonRow[];
  /** Naive messages sent so far and in total, and how many scenarios are complete. */
  progress(): { readonly naiveSent: number; readonly naiveTotal: number; readonly done: number; readonly scenarios: number };
}

/** `n` distinct streams (type × market), the same for both sides. */
export function scenarioChanges(n: number): Change[] {
  return Array.from({ length: n }, (_, i) => ({
    type: SCENARIO_TYPES[Math.floor(i / DEFAULT_MARKETS.length) % SCENARIO_TYPES.length]!,
    code: DEFAULT_MARKETS[i % DEFAULT_MARKETS.length]!,
  }));
}

/** Runs every scenario at once (each side on an exchange of its own) and reports as they go. */
export function startComparison(
  requests: readonly number[],
  options: { readonly seed?: number; readonly signal?: AbortSignal } = {},
): Comparison {
  const senders: NaiveSender[] = [];
  const finished = new Map<number, ComparisonRow>();
  let done = 0;
  const result = Promise.all(
    requests.map(async (n) => {
      const changes = scenarioChanges(n);
      const [naive, flush] = await Promise.all([
        measureOnOwnExchange(changes, options, (exchange) => {
          const side = naiveSide(exchange, changes);
          senders.push(side.sender);
          return side;
        }),
        measureOnOwnExchange(changes, options, (exchange) => flushSide(exchange, changes)),
      ]);
      done++;
      const row = { requests: n, naive, flush };
      finished.set(n, row);
      return row;
    }),
  );
  return {
    result,
    finished: () => requests.flatMap((n) => finished.get(n) ?? []),
    progress: () => ({
      naiveSent: senders.reduce((sum, naive) => sum + naive.sent, 0),
      naiveTotal: requests.reduce((sum, n) => sum + n, 0),
      done,
      scenarios: requests.length,
    }),
  };
}

/**
 * One side of one scenario, alone on an exchange of its own: what `startComparison` runs per side
 * (the benchmark report runs each side in a process of its own). `watch` sees the exchange before
 * the side starts, to count what it refuses.
 */
export function measureSide(
  side: 'naive' | 'flush',
  changes: readonly Change[],
  options: { readonly seed?: number; readonly signal?: AbortSignal; readonly watch?: (exchange: ExchangeHandle) => void } = {},
): Promise<SideResult> {
  return measureOnOwnExchange(changes, options, (exchange) => {
    options.watch?.(exchange);
    return side === 'naive' ? naiveSide(exchange, changes) : flushSide(exchange, changes);
  });
}

/** One side of a scenario: makes every change, resolves with the messages it wrote. */
interface Side {
  send(): Promise<number>;
  /** Cancels whatever is still waiting and releases sockets and timers. */
  dispose(): Promise<void>;
}

function naiveSide(exchange: ExchangeHandle, changes: readonly Change[]): Side & { readonly sender: NaiveSender } {
  const connect = upbitConnectGate();
  const message = upbitMessageGate();
  const sender = new NaiveSender(exchange.url, { connect, message });
  return {
    sender,
    async send() {
      await Promise.all(changes.map(({ type, code }) => sender.change(type, code)));
      return sender.sent;
    },
    async dispose() {
      connect.close();
      message.close();
      await sender.close();
    },
  };
}

function flushSide(exchange: ExchangeHandle, changes: readonly Change[]): Side {
  // Its own connection gate: this orchestrator has an exchange of its own.
  const connectGate = upbitConnectGate();
  const gate = upbitMessageGate();
  const upbit = createOrchestrator({
    endpoints: { public: exchange.url, private: exchange.privateUrl },
    connectGate,
    messageGate: () => gate,
  });
  return {
    async send() {
      for (const { type, code } of changes) upbit.subscribe({ type, codes: [code] }, ignore);
      await upbit.settled();
      return upbit.stats().messagesSent;
    },
    async dispose() {
      await upbit.close();
      connectGate.close();
      gate.close();
    },
  };
}

/**
 * Starts an exchange and times, on the exchange, the messages one side sends there: from the
 * moment the side starts making its changes until every message it wrote has arrived.
 */
async function measureOnOwnExchange(
  changes: readonly Change[],
  options: { readonly seed?: number; readonly signal?: AbortSignal },
  makeSide: (exchange: ExchangeHandle) => Side,
): Promise<SideResult> {
  const exchange = await startExchange({ seed: options.seed ?? 1 });
  const arrivals = watchArrivals(exchange, changes);
  const side = makeSide(exchange);
  try {
    const startedAt = Date.now();
    const measured = side.send().then((sent) => arrivals.until(sent, startedAt));
    return await raceAbort(measured, options.signal);
  } finally {
    arrivals.stop();
    await side.dispose();
    await exchange.close();
  }
}

/** Follows the exchange's `request` events: counts subscriptions and notes when the full state arrived. */
function watchArrivals(exchange: ExchangeHandle, changes: readonly Change[]) {
  const wanted = new Set(changes.map(({ type, code }) => `${type}|${code}`));
  let received = 0;
  let fullAt: number | undefined;
  let lastAt = 0;
  let rejected: string | undefined;
  let onArrival = (): void => {};
  const onRequest = (record: RequestRecord): void => {
    if (!record.result.ok) rejected ??= record.result.error;
    else if (record.result.kind === 'subscribe') {
      received++;
      lastAt = record.at;
      if (fullAt === undefined && covers(record.result.fields, wanted)) fullAt = record.at;
    }
    onArrival();
  };
  exchange.on('request', onRequest);
  return {
    /** Resolves once `count` subscriptions have arrived; times are relative to `startedAt`. */
    until(count: number, startedAt: number): Promise<SideResult> {
      return new Promise((resolve, reject) => {
        onArrival = () => {
          if (rejected !== undefined) reject(new Error(`the exchange rejected a message: ${rejected}`));
          else if (received >= count && fullAt === undefined) reject(new Error('the exchange never held the full state'));
          else if (received >= count) resolve({ messages: received, fullStateMs: fullAt! - startedAt, settledMs: lastAt - startedAt });
        };
        onArrival();
      });
    },
    stop: () => exchange.off('request', onRequest),
  };
}

/** Whether a subscription's fields stream every `type|code` in `wanted`. */
function covers(fields: readonly ParsedTypeField[], wanted: ReadonlySet<string>): boolean {
  const streamed = new Set<string>();
  for (const field of fields) {
    if (!field.realtime) continue;
    for (const { code } of field.codes ?? []) streamed.add(`${field.type}|${code}`);
  }
  for (const key of wanted) if (!streamed.has(key)) return false;
  return true;
}

/** `work`, or a rejection as soon as `signal` aborts (whatever `work` does later is ignored). */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('the comparison was interrupted'));
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function ignore(): void {}
