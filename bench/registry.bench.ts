/**
 * Registry: register/unregister churn of many components, and the cost of one operation as the
 * number of live specs grows (it should stay flat: O(specs changed), not O(everything)).
 */
import { PUBLIC_TYPES } from '../src/protocol/upbit/types.js';
import { normalizeSpec, Registry, type NormalizedSpec, type SnapshotMode } from '../src/registry/index.js';
import { formatNumber, formatSpread, median, pick, prng, spread, time } from './harness.js';
import type { BenchContext, SectionReport } from './report.js';

const COMPONENTS = 10_000;
const SMOKE_COMPONENTS = 200;
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

const OPERATIONS = ['register (new owner)', 'register (replace)', 'unregister'] as const;

/** Milliseconds of each operation over `components` components, on a fresh registry. */
function churn(components: number, seed: number): number[] {
  const random = prng(seed);
  const specs = Array.from({ length: components }, () => componentSpecs(random));
  const replacements = Array.from({ length: components }, () => componentSpecs(random));
  const registry = new Registry();
  let notifications = 0;
  registry.onChange(() => notifications++);
  const times = [
    time(() => specs.forEach((s, i) => registry.register(`c${i}`, s))),
    time(() => replacements.forEach((s, i) => registry.register(`c${i}`, s))),
    time(() => specs.forEach((_, i) => registry.unregister(`c${i}`))),
  ];
  if (registry.snapshot('public').entries.length !== 0 || notifications === 0) throw new Error('registry bench: bad end state');
  return times;
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

export function run(context: BenchContext): SectionReport {
  const components = context.smoke ? SMOKE_COMPONENTS : COMPONENTS;
  const liveSizes = context.smoke ? [1_000] : [1_000, 10_000, 100_000];
  perOpAt(1_000); // warm-up
  context.log('registry: churn');
  const rounds = Array.from({ length: context.rounds }, (_, round) => churn(components, round + 1));
  const churnRows = OPERATIONS.map((name, op) => {
    const ms = rounds.map((times) => times[op]!);
    const perOp = spread(ms.map((m) => (m * 1000) / components));
    return [
      name,
      formatSpread(spread(ms.map((m) => components / (m / 1000)))),
      formatSpread(perOp, 2),
      formatSpread({ median: perOp.median / SPECS_PER_COMPONENT, min: perOp.min / SPECS_PER_COMPONENT, max: perOp.max / SPECS_PER_COMPONENT }, 3),
    ];
  });
  context.log('registry: cost vs live specs');
  const liveRows = liveSizes.map((live) => [
    formatNumber(live),
    formatSpread(spread(Array.from({ length: context.rounds }, () => perOpAt(live))), 2),
  ]);
  return {
    title: 'Registry: churn and cost per operation',
    intro: [
      `${formatNumber(components)} components × ${SPECS_PER_COMPONENT} specs each (a random public type, 1–3 of ` +
        `${formatNumber(CODES.length)} codes, a random snapshot mode and depth) registered, replaced and unregistered ` +
        `(\`bench/registry.bench.ts\`), ${context.rounds} rounds. Then the cost of one register or unregister of a 20-spec owner ` +
        'as the number of live specs grows: it should stay flat (O(specs changed), not O(everything)); each figure is itself ' +
        'the median of 7 timings of 2 000 operations.',
    ],
    tables: [
      { title: 'Registry churn', header: ['operation', 'ops/s', 'µs/op', 'µs/spec'], rows: churnRows },
      { title: 'Registry cost per operation vs live specs', header: ['live specs', 'µs/op'], rows: liveRows },
    ],
  };
}
