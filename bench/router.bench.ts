/**
 * Router hot path: 1 000 000 decoded frames to 1 000 subscribers over 200 codes, next to the floor
 * (a plain `Map` lookup + loop making the same deliveries). Rounds of both are interleaved, so
 * both see the same machine; the table shows medians and the ratio router/floor.
 */
import type { TickerMessage, UpbitMessage } from '../src/protocol/upbit/types.js';
import { normalizeSpec } from '../src/registry/index.js';
import { Router } from '../src/router/index.js';
import { formatNumber, median, pick, printTable, prng, time } from './harness.js';

const FRAMES = 1_000_000;
const SUBSCRIBERS = 1_000;
const CODES = Array.from({ length: 200 }, (_, i) => `KRW-C${i}`);
const ROUNDS = 7;
/** Distinct decoded frames, routed over and over (a million distinct objects would measure the GC). */
const POOL = 10_000;

interface Scenario {
  readonly name: string;
  readonly codesPerSubscriber: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: '5 codes each', codesPerSubscriber: 5 },
  { name: '1 code each', codesPerSubscriber: 1 },
];

/** What every handler does: touch the frame, so the call cannot be optimised away. */
let sink = 0;
function makeHandler(): (message: UpbitMessage) => void {
  return (message) => {
    sink += (message as TickerMessage).trade_price;
  };
}

function measure({ name, codesPerSubscriber }: Scenario): string[][] {
  const random = prng(7);
  const router = new Router();
  const floor = new Map<string, ((message: UpbitMessage) => void)[]>();
  for (let s = 0; s < SUBSCRIBERS; s++) {
    const handler = makeHandler();
    const codes = pick(CODES, codesPerSubscriber, random);
    router.add(`s${s}`, [normalizeSpec({ type: 'ticker', codes })], handler);
    for (const code of codes) {
      let handlers = floor.get(code);
      if (handlers === undefined) floor.set(code, (handlers = []));
      handlers.push(handler);
    }
  }
  const pool: TickerMessage[] = Array.from({ length: POOL }, (_, i) => ({
    type: 'ticker',
    code: CODES[Math.floor(random() * CODES.length)]!,
    stream_type: 'REALTIME',
    timestamp: i,
    trade_price: 1,
  })) as TickerMessage[];

  const runFloor = (): number => {
    let deliveries = 0;
    for (let f = 0; f < FRAMES; f++) {
      const message = pool[f % POOL]!;
      const handlers = floor.get(message.code);
      if (handlers === undefined) continue;
      for (let i = 0; i < handlers.length; i++) handlers[i]!(message);
      deliveries += handlers.length;
    }
    return deliveries;
  };
  const runRouter = (): number => {
    let deliveries = 0;
    for (let f = 0; f < FRAMES; f++) deliveries += router.route(pool[f % POOL]!);
    return deliveries;
  };

  let floorDeliveries = runFloor(); // warm-up
  let routerDeliveries = runRouter();
  if (floorDeliveries !== routerDeliveries) throw new Error(`router bench: ${routerDeliveries} deliveries, floor ${floorDeliveries}`);
  const floorTimes: number[] = [];
  const routerTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer (or more tired) machine.
    const order = round % 2 === 0 ? ['floor', 'router'] : ['router', 'floor'];
    for (const which of order) {
      if (which === 'floor') floorTimes.push(time(() => (floorDeliveries = runFloor())));
      else routerTimes.push(time(() => (routerDeliveries = runRouter())));
    }
  }
  const floorMs = median(floorTimes);
  const routerMs = median(routerTimes);
  const perFrame = routerDeliveries / FRAMES;
  const row = (label: string, ms: number): string[] => [
    `${name}: ${label}`,
    formatNumber(perFrame, 1),
    formatNumber(FRAMES / (ms / 1000)),
    formatNumber(routerDeliveries / (ms / 1000)),
    formatNumber((ms * 1e6) / FRAMES, 0),
    formatNumber(ms, 1),
  ];
  return [row('floor', floorMs), [...row('router', routerMs), `${formatNumber(routerMs / floorMs, 3)}`]];
}

export function run(): void {
  const rows = SCENARIOS.flatMap(measure);
  printTable(
    `Router: ${formatNumber(FRAMES)} ticker frames → ${formatNumber(SUBSCRIBERS)} subscribers over ${CODES.length} codes (median of ${ROUNDS} interleaved rounds)`,
    ['run', 'deliveries/frame', 'frames/s', 'deliveries/s', 'ns/frame', 'ms', 'router/floor'],
    rows.map((row) => (row.length === 6 ? [...row, ''] : row)),
  );
  if (sink === -1) console.log(sink); // keeps `sink` observable
}
