/**
 * Registry: register/unregister churn of many components, and the cost of one operation as the
 * number of live specs grows (it should stay flat: O(specs changed), not O(everything)).
 */
import { PUBLIC_TYPES } from '../src/protocol/upbit/types.js';
import { normalizeSpec, Registry, type NormalizedSpec, type SnapshotMode } from '../src/registry/index.js';
import { formatNumber, median, pick, printTable, prng, time } from './harness.js';

const COMPONENTS = 10_000;
const SPECS_PER_COMPONENT = 20;
const CODES = Array.from({ length: 1_000 }, (_, i) => `KRW-C${i}`);
const MODES: readonly SnapshotMode[] = ['include', 'include', 'only', 'exclude'];
const DEPTHS = [1, 5, 15, 30] as const;

/** One component's specs: a random public type, 1 to 3 codes, a random mode and depth. */
function componentSpecs(random: () => number): NormalizedSpec[] {
  return Array.from({ length: SPECS_PER_COMPONENT }, () => {
    const type = PUBLIC_TYPES[Math.floor(random() * PUBLIC_TYPES.length)]!;
    return normalizeSpec({
      type,
      codes: pick(CODES, 1 + Math.floor(random() * 3), random),
      snapshot: MODES[Math.floor(random() * MODES.length)]!,
      ...(type === 'orderbook' ? { depth: DEPTHS[Math.floor(random() * DEPTHS.length)]! } : {}),
    });
  });
}

function churn(): string[][] {
  const random = prng(1);
  const specs = Array.from({ length: COMPONENTS }, () => componentSpecs(random));
  const replacements = Array.from({ length: COMPONENTS }, () => componentSpecs(random));
  const rows: string[][] = [];
  const row = (name: string, ms: number) => {
    const perOp = (ms * 1000) / COMPONENTS;
    rows.push([name, formatNumber(COMPONENTS / (ms / 1000)), formatNumber(perOp, 2), formatNumber(perOp / SPECS_PER_COMPONENT, 3)]);
  };
  const registry = new Registry();
  let notifications = 0;
  registry.onChange(() => notifications++);
  row('register (new owner)', time(() => specs.forEach((s, i) => registry.register(`c${i}`, s))));
  row('register (replace)', time(() => replacements.forEach((s, i) => registry.register(`c${i}`, s))));
  row('unregister', time(() => specs.forEach((_, i) => registry.unregister(`c${i}`))));
  if (registry.snapshot('public').entries.length !== 0 || notifications === 0) throw new Error('registry bench: bad end state');
  return rows;
}

/** µs per register + unregister of one 20-spec owner, with `live` specs already registered. */
function perOpAt(live: number): number {
  const random = prng(live);
  const registry = new Registry();
  for (let i = 0; i < live / SPECS_PER_COMPONENT; i++) registry.register(`c${i}`, componentSpecs(random));
  const probes = Array.from({ length: 200 }, () => componentSpecs(random));
  const rounds = Array.from({ length: 7 }, () =>
    time(() => {
      for (let repeat = 0; repeat < 5; repeat++) {
        for (const specs of probes) {
          registry.register('probe', specs);
          registry.unregister('probe');
        }
      }
    }),
  );
  return (median(rounds) * 1000) / (probes.length * 5 * 2);
}

export function run(): void {
  perOpAt(1_000); // warm-up
  printTable(
    `Registry churn: ${formatNumber(COMPONENTS)} components × ${SPECS_PER_COMPONENT} specs (1–3 codes each, ${formatNumber(CODES.length)} codes)`,
    ['operation', 'ops/s', 'µs/op', 'µs/spec'],
    churn(),
  );
  printTable(
    'Registry cost per operation vs live specs (register or unregister of a 20-spec owner; median of 7)',
    ['live specs', 'µs/op'],
    [1_000, 10_000, 100_000].map((live) => [formatNumber(live), formatNumber(perOpAt(live), 2)]),
  );
}
