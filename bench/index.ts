/**
 * `npm run bench`: runs every section of the benchmark report and writes docs/benchmarks.md.
 *
 *   npm run bench                      the full report (about 10–15 minutes on 2 cores)
 *   npm run bench -- --soak            adds the 10-minute churn-with-faults soak
 *   npm run bench -- --smoke           tiny sizes, one round, written to a temporary file: checks the scripts work
 *   npm run bench -- --only a,b        only those sections (written to a temporary file unless --out)
 *   npm run bench -- --out <file>      write the report there instead
 *
 * Benchmarks are never part of the test suite (test/bench/smoke.test.ts only runs the smoke pass).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run as batching } from './batching.bench.js';
import { run as datapath } from './datapath.bench.js';
import { run as decode } from './decode.bench.js';
import { run as memory } from './memory.bench.js';
import { run as pool } from './pool.js';
import { run as registry } from './registry.bench.js';
import { type BenchContext, loadAverage, machine, printSection, renderMarkdown, type Section, type SectionReport } from './report.js';
import { run as router } from './router.bench.js';

/**
 * The report's sections, in order. To add one (the fleet bench, bench/fleet.ts; a pool row:
 * 10 000 codes on one connection vs a pool of connections), write a module whose
 * `run(context)` returns a `SectionReport` (bench/report.ts): tables of medians with (min–max),
 * tiny sizes when `context.smoke`, a process per measurement where isolation matters. Then add it
 * here; the smoke test runs it from then on.
 */
export const SECTIONS: readonly Section[] = [
  { id: 'batching', run: batching },
  { id: 'datapath', run: datapath },
  { id: 'decode', run: decode },
  { id: 'memory', run: memory },
  { id: 'pool', run: pool },
  { id: 'registry', run: registry },
  { id: 'router', run: router },
];

const ROUNDS = 5;
const DEFAULT_OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../docs/benchmarks.md');

interface Args {
  readonly smoke: boolean;
  readonly soak: boolean;
  readonly only: readonly string[] | undefined;
  readonly out: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  let smoke = false;
  let soak = false;
  let only: string[] | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--smoke') smoke = true;
    else if (arg === '--soak') soak = true;
    else if (arg === '--only' || arg === '--out') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`bench: ${arg} needs a value`);
      if (arg === '--out') out = value;
      else only = value.split(',');
    } else throw new Error(`bench: unknown argument ${arg} (expected --smoke, --soak, --only <sections>, --out <file>)`);
  }
  const known = SECTIONS.map(({ id }) => id);
  const unknown = only?.filter((id) => !known.includes(id)) ?? [];
  if (unknown.length > 0) throw new Error(`bench: no section ${unknown.join(', ')} (sections: ${known.join(', ')})`);
  return { smoke, soak, only, out };
}

const args = parseArgs(process.argv.slice(2));
const context: BenchContext = {
  smoke: args.smoke,
  soak: args.soak,
  rounds: args.smoke ? 1 : ROUNDS,
  log: (line) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`),
};
const out =
  args.out !== undefined
    ? resolve(args.out)
    : args.smoke || args.only !== undefined
      ? join(tmpdir(), `upstate-benchmarks-${process.pid}.md`)
      : DEFAULT_OUT;
const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
const startedAt = new Date();
const loadAtStart = loadAverage();
const host = machine();
console.log(`upstate benchmarks — ${host.cpu}, ${host.cores} cores, Node ${host.node}; load ${loadAtStart}`);

const reports: SectionReport[] = [];
for (const section of SECTIONS.filter(({ id }) => args.only?.includes(id) ?? true)) {
  const report = await section.run(context);
  printSection(report);
  reports.push(report);
}
const markdown = renderMarkdown(
  { machine: host, startedAt, finishedAt: new Date(), loadAtStart, loadAtEnd: loadAverage(), context, command },
  reports,
);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, markdown);
console.log(`\nReport written to ${out}`);
