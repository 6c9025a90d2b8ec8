/**
 * The benchmark scripts still run: `npm run bench -- --smoke` (tiny sizes, one round, no ccxt)
 * writes a complete report to a temporary file. It measures nothing worth reading; speed and
 * memory are measured by `npm run bench` itself, never asserted here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const directory = mkdtempSync(join(tmpdir(), 'upstate-bench-smoke-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs `tsx bench/index.ts` with `args`; resolves with its exit code and output. */
function bench(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/index.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench -- --smoke', () => {
  it('runs every section and writes the report where it is told, not to docs/', { timeout: 180_000 }, async () => {
    const out = join(directory, 'report.md');
    const { code, stdout, stderr } = await bench(['--smoke', '--out', out]);

    expect(stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    expect(stdout).toContain(`Report written to ${out}`);
    const report = readFileSync(out, 'utf8');
    expect(report).toContain('**Smoke run**');
    for (const title of ['## Batching', '## Data path', '## Memory', '## Registry', '## Router', '## Headline']) {
      expect(report).toContain(title);
    }
    expect(report).toMatch(/\| CPU \| .+ \|/);
    expect(report).toMatch(/\| Node \| v\d+/);
    // Every measured side kept Upbit's limits (a violation fails the run before the report).
    expect(report).toMatch(/\| 1 \| flush \| 1 \| [\d ]+ \| [\d ]+ \| [\d.]+ \| 0 \|/);
  });

  it('refuses an unknown argument or section, naming it', { timeout: 60_000 }, async () => {
    const unknownFlag = await bench(['--smok']);
    expect(unknownFlag.code).not.toBe(0);
    expect(unknownFlag.stderr).toContain('unknown argument --smok');
    const unknownSection = await bench(['--smoke', '--only', 'fleet']);
    expect(unknownSection.code).not.toBe(0);
    expect(unknownSection.stderr).toContain('no section fleet');
  });
});
