/**
 * Global setup and teardown: gives the suites a folder for their "a program I need is missing"
 * notes (see outside-binaries.ts) and prints those notes once every test has run, so they are
 * the last lines of `npm test`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'upstate-missing-binaries-'));
  project.provide('missingBinariesDir', dir);
  return () => {
    const notes = readdirSync(dir).map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as { suite: string; path: string; install: string });
    rmSync(dir, { recursive: true, force: true });
    if (notes.length === 0) return;
    const installs = [...new Set(notes.map((note) => note.install))];
    const lines = [
      '',
      `Did not run (a program they need is missing):`,
      ...notes.map((note) => `  ${note.suite}: needs ${note.path}`),
      `Install it with: ${installs.join(' && ')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  };
}
