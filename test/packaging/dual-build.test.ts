/**
 * The dual-package hazard: a process that loads both the ESM and the CommonJS build (an ESM
 * service with a CommonJS dependency that also uses upstate) must still have one connection gate.
 * Both builds are made here from the sources (no type declarations, a second or two), into a
 * folder inside the repository so they resolve the repository's node_modules.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../docs/exports.js';

let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(ROOT, '.scratch-dual-'));
  await build({
    entry: { index: join(ROOT, 'src/index.ts'), sim: join(ROOT, 'src/sim/index.ts') },
    format: ['esm', 'cjs'],
    outDir,
    target: 'node20',
    silent: true,
    dts: false,
    config: false,
  });
}, 60_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/**
 * Four orchestrators from each build connect at once. The gate grants five connections per
 * rolling 1.1 s: one gate lets five reach the exchange at once and the other three a second
 * later; a gate per build lets all eight through at once. Counted where they arrive, within half
 * a second of the first (the exchange's own limits off, so nothing is refused or retried).
 */
const SCRIPT = `
import { createRequire } from 'node:module';
import { createOrchestrator as createEsm } from './index.js';
import { startExchange } from './sim.js';
const { createOrchestrator: createCjs } = createRequire(import.meta.url)('./index.cjs');
if (createEsm === createCjs) throw new Error('both names resolved to one build');
const exchange = await startExchange({ tickMs: 0, limits: false });
const arrivals = [];
exchange.on('connection', () => arrivals.push(Date.now()));
const orchestrators = [createEsm, createCjs].flatMap((create) =>
  Array.from({ length: 4 }, () => create({ endpoints: { public: exchange.url }, debounceMs: 1 })));
for (const upbit of orchestrators) upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, () => {});
await Promise.all(orchestrators.map((upbit) => upbit.settled({ signal: AbortSignal.timeout(10_000) })));
await Promise.all(orchestrators.map((upbit) => upbit.close()));
await exchange.close();
const together = arrivals.filter((at) => at - arrivals[0] < 500).length;
console.log(JSON.stringify({ connections: arrivals.length, together }));
`;

describe('the process-wide connection gate', () => {
  it('is one gate when the ESM and the CommonJS build are both loaded', () => {
    const script = join(outDir, 'both-builds.mjs');
    writeFileSync(script, SCRIPT);
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const { connections, together } = JSON.parse(child.stdout) as { connections: number; together: number };
    expect(connections).toBe(8);
    expect(together).toBeLessThanOrEqual(5);
  });
});
