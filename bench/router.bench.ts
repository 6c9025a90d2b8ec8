/**
 * Router hot path: 1 000 000 decoded frames to 1 000 subscribers over 200 codes, next to the floor
 * (a plain `Map` lookup + loop making the same deliveries, with the same handlers and frames).
 * Each scenario runs in a fresh process (see `router-scenario.ts`), where rounds of every side
 * are interleaved in rotating order after warm-up rounds. The table shows median times, and the
 * median and spread (min–max) of the per-round ratios to the floor. The floor-again row is pure
 * measurement noise, the yardstick for reading the others; the cacheTypes: [] row is the router
 * without its last-value cache (the default caches tickers, so the router row pays for it).
 */
import { fileURLToPath } from 'node:url';
import { formatNumber, median, runChild } from './harness.js';
import type { BenchContext, SectionReport } from './report.js';
import { CODES, FRAMES, ratios, ROUNDS, SCENARIOS, SIDES, SUBSCRIBERS, type ScenarioResult, type SideName } from './router-scenario.js';

const SCENARIO_FILE = fileURLToPath(new URL('./router-scenario.ts', import.meta.url));
const LABELS: Record<SideName, string> = { floor: 'floor', again: 'floor again', router: 'router', uncached: 'router, cacheTypes: []' };

function rowsOf(result: ScenarioResult, frames: number): string[][] {
  const perFrame = result.deliveries / frames;
  return SIDES.map((side) => {
    const ms = median(result.times[side]);
    const cells = [
      `${result.name}: ${LABELS[side]}`,
      formatNumber(perFrame, 1),
      formatNumber(frames / (ms / 1000)),
      formatNumber(result.deliveries / (ms / 1000)),
      formatNumber((ms * 1e6) / frames, 1),
      formatNumber(ms, 1),
    ];
    if (side === 'floor') return [...cells, '', ''];
    const ratio = ratios(result, side);
    return [...cells, formatNumber(ratio.median, 3), `${formatNumber(ratio.min, 3)}–${formatNumber(ratio.max, 3)}`];
  });
}

export function run(context: BenchContext): SectionReport {
  // This module's FRAMES and ROUNDS are the full run's; a smoke child uses its own small ones.
  const frames = context.smoke ? 10_000 : FRAMES;
  const rounds = context.smoke ? 2 : ROUNDS;
  // The smoke pass runs the first scenario only: the script is the same for all.
  const results = (context.smoke ? SCENARIOS.slice(0, 1) : SCENARIOS).map((scenario, index) => {
    context.log(`router: ${scenario.name}`);
    return runChild<ScenarioResult>(SCENARIO_FILE, [String(index), ...(context.smoke ? ['smoke'] : [])]);
  });
  return {
    title: 'Router: hot path against the floor',
    headline: results.map((result) => {
      const ratio = ratios(result, 'router');
      const noise = ratios(result, 'again');
      return `Router, ${result.name}: router ÷ floor time ${formatNumber(ratio.median, 3)}× (floor again: ${formatNumber(noise.median, 3)}×)`;
    }),
    intro: [
      `${formatNumber(frames)} decoded ticker frames routed to ${formatNumber(SUBSCRIBERS)} subscribers over ${CODES.length} ` +
        'codes, next to the floor: a plain `Map` lookup and loop making the same deliveries with the same handlers and frames ' +
        `(\`bench/router.bench.ts\`). Each scenario runs in a fresh process; ${rounds} timed rounds of every side, interleaved ` +
        'in rotating order after warm-up rounds. Times are medians; ÷ floor is the median (and min–max) of per-round ratios. ' +
        'The floor-again row is the same code as the floor: its spread is the noise of the measurement. The ' +
        '`cacheTypes: []` row is the router without its last-value cache (the default caches tickers, so the router row pays for it).',
    ],
    tables: [
      {
        title: 'Router vs floor',
        header: ['run', 'deliveries/frame', 'frames/s', 'deliveries/s', 'ns/frame', 'ms', '÷ floor', 'min–max'],
        rows: results.flatMap((result) => rowsOf(result, frames)),
      },
    ],
  };
}
