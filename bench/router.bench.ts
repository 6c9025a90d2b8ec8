/**
 * Router hot path: 1 000 000 decoded frames to 1 000 subscribers over 200 codes, next to the floor
 * (a plain `Map` lookup + loop making the same deliveries, with the same handlers and frames).
 * Each scenario runs in a fresh process (see `router-scenario.ts`), where rounds of every side
 * are interleaved in rotating order after warm-up rounds. The table shows median times, and the
 * median and spread (min–max) of the per-round ratios to the floor. The floor-again row is pure
 * measurement noise, the yardstick for reading the others; the cacheTypes: [] row is the router
 * without its last-value cache (the default caches tickers, so the router row pays for it).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatNumber, median, printTable } from './harness.js';
import { CODES, FRAMES, ratios, ROUNDS, SCENARIOS, SIDES, SUBSCRIBERS, type ScenarioResult, type SideName } from './router-scenario.js';

const SCENARIO_FILE = fileURLToPath(new URL('./router-scenario.ts', import.meta.url));
const LABELS: Record<SideName, string> = { floor: 'floor', again: 'floor again', router: 'router', uncached: 'router, cacheTypes: []' };

/** Runs scenario `index` in a fresh node, with this process's loader flags (tsx). */
function runScenario(index: number): ScenarioResult {
  const child = spawnSync(process.execPath, [...process.execArgv, SCENARIO_FILE, String(index)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`router bench: scenario ${index} failed (${child.error?.message ?? `exit ${child.status}`})`);
  return JSON.parse(child.stdout) as ScenarioResult;
}

function rowsOf(result: ScenarioResult): string[][] {
  const perFrame = result.deliveries / FRAMES;
  return SIDES.map((side) => {
    const ms = median(result.times[side]);
    const cells = [
      `${result.name}: ${LABELS[side]}`,
      formatNumber(perFrame, 1),
      formatNumber(FRAMES / (ms / 1000)),
      formatNumber(result.deliveries / (ms / 1000)),
      formatNumber((ms * 1e6) / FRAMES, 1),
      formatNumber(ms, 1),
    ];
    if (side === 'floor') return [...cells, '', ''];
    const ratio = ratios(result, side);
    return [...cells, formatNumber(ratio.median, 3), `${formatNumber(ratio.min, 3)}–${formatNumber(ratio.max, 3)}`];
  });
}

export function run(): void {
  const results = SCENARIOS.map((_, index) => runScenario(index));
  printTable(
    `Router: ${formatNumber(FRAMES)} ticker frames → ${formatNumber(SUBSCRIBERS)} subscribers over ${CODES.length} codes (medians of ${ROUNDS} interleaved rounds, one process per scenario)`,
    ['run', 'deliveries/frame', 'frames/s', 'deliveries/s', 'ns/frame', 'ms', '÷ floor', 'min–max'],
    results.flatMap(rowsOf),
  );
}
