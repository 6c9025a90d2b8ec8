/**
 * One scenario of the router benchmark, timed in a process of its own: `router.bench.ts` starts a
 * fresh `node` per scenario (`node router-scenario.ts <index>`, result as JSON on stdout). In one
 * process, a scenario inherits the JIT state of the ones before: the router's code, shared by
 * every `Router`, keeps the call feedback of earlier handlers, and whichever scenario ran second
 * measured the router 5–7% slower against a floor that did not suffer the same.
 *
 * Fair by construction, and checked: both sides call the same handler functions with the same
 * frame objects. During timing, every run must make the floor's number of deliveries with the
 * floor's checksum (each handler adds its frame's price to one sum), or the scenario fails.
 * After timing, a recording build shows the router calls exactly the floor's handlers, in the
 * same order, for every frame (after, because recording handlers are other functions, which
 * would change the call feedback of the router and not that of the floor).
 */
import { fileURLToPath } from 'node:url';
import type { TickerMessage, UpbitMessage } from '../src/protocol/upbit/types.js';
import { normalizeSpec } from '../src/registry/index.js';
import { Router } from '../src/router/index.js';
import { median, pick, prng, time } from './harness.js';

/** `node router-scenario.ts <index> smoke`: a few frames and rounds, to check the script runs. */
const SMOKE = process.argv[3] === 'smoke';
export const FRAMES = SMOKE ? 10_000 : 1_000_000;
export const SUBSCRIBERS = 1_000;
export const CODES = Array.from({ length: 200 }, (_, i) => `KRW-C${i}`);
const WARM_UP_ROUNDS = SMOKE ? 1 : 2;
export const ROUNDS = SMOKE ? 2 : 15;
/**
 * Distinct decoded frames, routed over and over (a million distinct objects would measure the GC).
 * Allocated just before timing, during which next to nothing is allocated, they stay in the young
 * generation as freshly decoded frames are: so the router's cache store pays the write barrier
 * (a long-lived route pointing at a young frame) that it pays in production.
 */
const POOL = 10_000;

export interface Scenario {
  readonly name: string;
  readonly codesPerSubscriber: number;
  /**
   * Distinct handler functions the subscribers' handlers are made from. 1: every call site stays
   * monomorphic, the regime where the router's own overhead shows most. More: as in an
   * application, whose components bring their own handlers: every call is megamorphic, on both sides.
   */
  readonly handlerFunctions: number;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: '5 codes each', codesPerSubscriber: 5, handlerFunctions: 1 },
  { name: '1 code each', codesPerSubscriber: 1, handlerFunctions: 1 },
  { name: '5 codes each, 8 handler functions', codesPerSubscriber: 5, handlerFunctions: 8 },
];

/**
 * The sides timed against each other: the floor, the floor again (its ratio to the floor is
 * noise), the router as configured by default, and the router without the last-value cache
 * (`cacheTypes: []`), which shows what the cache costs.
 */
export const SIDES = ['floor', 'again', 'router', 'uncached'] as const;
export type SideName = (typeof SIDES)[number];

/** What a scenario's process prints: per-side times of every timed round, in order. */
export interface ScenarioResult {
  readonly name: string;
  readonly deliveries: number;
  readonly times: Record<SideName, number[]>;
}

type Handler = (message: UpbitMessage) => void;

/**
 * Where the handlers add their frame's price: no call can be optimised away, and a missing or
 * extra delivery changes the sum. Reset before each run and fed small prices, the sums stay small
 * integers (a heap number would make every handler call an allocation).
 */
let sink = 0;
const SINK = 'upstateRouterBenchSink';
const global = globalThis as unknown as Record<typeof SINK, number>;

/** The handler of the single-function scenarios: a closure of this module, as little as a handler can do. */
function makeHandler(): Handler {
  return (message) => {
    sink += (message as TickerMessage).trade_price;
  };
}

/**
 * Makers of `count` distinct handler functions, each compiled on its own (as the handlers of
 * different components are), all doing the same. Compiled outside this module, they add to a
 * global rather than to `sink`.
 */
function handlerMakers(count: number): (() => Handler)[] {
  if (count === 1) return [makeHandler];
  return Array.from(
    { length: count },
    // The comment makes each source distinct: the same source could share one compiled function.
    (_, site) => new Function(`return (message) => { ${SINK} += message.trade_price; }; // function ${site}`) as () => Handler,
  );
}

/** Routers (default, and without cache) and the floor's index over the same handlers, one per subscriber. */
function build(subscriptions: readonly (readonly string[])[], handlerOf: (subscriber: number) => Handler) {
  const router = new Router();
  const uncached = new Router({ cacheTypes: [] });
  const table = new Map<string, Handler[]>();
  subscriptions.forEach((codes, s) => {
    const handler = handlerOf(s);
    const specs = [normalizeSpec({ type: 'ticker', codes })];
    router.add(`s${s}`, specs, handler);
    uncached.add(`s${s}`, specs, handler);
    for (const code of codes) {
      let handlers = table.get(code);
      if (handlers === undefined) table.set(code, (handlers = []));
      handlers.push(handler);
    }
  });
  return { router, uncached, table };
}

/** Both routers call exactly the floor's handlers, in the same order, for every frame of the pool. */
function checkSameDeliveries(subscriptions: readonly (readonly string[])[], pool: readonly UpbitMessage[]): void {
  let calls: number[] = [];
  const { router, uncached, table } = build(subscriptions, (s) => () => void calls.push(s));
  const callsOf = (deliver: () => void): string => {
    calls = [];
    deliver();
    return calls.join();
  };
  for (const message of pool) {
    const floor = callsOf(() => table.get(message.code)?.forEach((handler) => handler(message)));
    for (const [name, side] of [['router', router], ['router, cacheTypes: []', uncached]] as const) {
      const routed = callsOf(() => side.route(message));
      if (routed !== floor) throw new Error(`router bench: ${message.code} reached [${routed}] from ${name}, [${floor}] from the floor`);
    }
  }
}

/** One side of the comparison: runs every frame once, returns the deliveries it made. */
type Side = () => number;

export function measure({ name, codesPerSubscriber, handlerFunctions }: Scenario): ScenarioResult {
  const random = prng(7);
  const subscriptions = Array.from({ length: SUBSCRIBERS }, () => pick(CODES, codesPerSubscriber, random));
  const makers = handlerMakers(handlerFunctions);
  const { router, uncached, table } = build(subscriptions, (s) => makers[s % makers.length]!());
  const pool: TickerMessage[] = Array.from({ length: POOL }, (_, i) => ({
    type: 'ticker',
    code: CODES[Math.floor(random() * CODES.length)]!,
    stream_type: 'REALTIME',
    timestamp: i,
    trade_price: 1 + (i % 7), // at most 7 × 25 000 000 per run: a small integer
  })) as TickerMessage[];

  // Every side is written out on its own, the floor twice: closures made by one factory share
  // their optimised code, which then cannot treat the captured index (or router) as a constant.
  // Measured, a floor made by a factory ran about 5% slower, flattering the router.
  const sides: Record<SideName, Side> = {
    floor: () => {
      let deliveries = 0;
      for (let f = 0; f < FRAMES; f++) {
        const message = pool[f % POOL]!;
        const handlers = table.get(message.code);
        if (handlers === undefined) continue;
        for (let i = 0; i < handlers.length; i++) handlers[i]!(message);
        deliveries += handlers.length;
      }
      return deliveries;
    },
    // The same source as the floor: its ratio to the floor is the noise of the measurement.
    again: () => {
      let deliveries = 0;
      for (let f = 0; f < FRAMES; f++) {
        const message = pool[f % POOL]!;
        const handlers = table.get(message.code);
        if (handlers === undefined) continue;
        for (let i = 0; i < handlers.length; i++) handlers[i]!(message);
        deliveries += handlers.length;
      }
      return deliveries;
    },
    router: () => {
      let deliveries = 0;
      for (let f = 0; f < FRAMES; f++) deliveries += router.route(pool[f % POOL]!);
      return deliveries;
    },
    uncached: () => {
      let deliveries = 0;
      for (let f = 0; f < FRAMES; f++) deliveries += uncached.route(pool[f % POOL]!);
      return deliveries;
    },
  };
  const times: Record<SideName, number[]> = { floor: [], again: [], router: [], uncached: [] };
  let expected: { deliveries: number; checksum: number } | undefined;
  for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
    // Rotate the order, so no side always runs first (on a colder cache) or last.
    for (let k = 0; k < SIDES.length; k++) {
      const which = SIDES[(round + k) % SIDES.length]!;
      sink = global[SINK] = 0;
      let deliveries = 0;
      const ms = time(() => (deliveries = sides[which]()));
      const checksum = sink + global[SINK];
      expected ??= { deliveries, checksum };
      if (deliveries !== expected.deliveries || checksum !== expected.checksum) {
        throw new Error(
          `router bench, ${name}: ${which} made ${deliveries} deliveries (checksum ${checksum}), expected ${expected.deliveries} (${expected.checksum})`,
        );
      }
      if (round >= WARM_UP_ROUNDS) times[which].push(ms);
    }
  }
  checkSameDeliveries(subscriptions, pool);
  return { name, deliveries: expected!.deliveries, times };
}

/** Per-round ratios of `side` to the floor (both sides of a round saw the same machine): median, min, max. */
export function ratios(result: ScenarioResult, side: SideName): { median: number; min: number; max: number } {
  const values = result.times[side].map((ms, round) => ms / result.times.floor[round]!);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const scenario = SCENARIOS[Number(process.argv[2])];
  if (scenario === undefined) throw new Error(`router bench: no scenario ${process.argv[2]}`);
  process.stdout.write(JSON.stringify(measure(scenario)));
}
