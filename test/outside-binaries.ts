/**
 * Suites that need a program outside Node (nats-server, chromium). Such a suite runs whenever the
 * program is present. Without it, `npm test` still passes, and the reporter below prints, as the
 * run's last lines, which suites did not run and the command that installs what they need; under
 * `CI=true` a missing program fails the suite instead.
 */
import { spawnSync } from 'node:child_process';
import { it } from 'vitest';
import type { Reporter } from 'vitest/reporters';

/** Every outside program a suite needs, how to tell it is there, and how to install it. */
export const OUTSIDE_BINARIES = [
  { binary: 'nats-server', suites: ['test/fleet/fleet.test.ts', 'test/fleet/client.test.ts', 'test/fleet/failover.test.ts', 'test/fleet/election.test.ts', 'test/cli/gateway.test.ts'], install: 'apt-get install nats-server', probe: ['nats-server', '--version'] },
] as const;

function present(probe: readonly string[]): boolean {
  return spawnSync(probe[0]!, probe.slice(1), { stdio: 'ignore' }).status === 0;
}

/**
 * Called at the top of a suite that needs `binary`: under CI=true a missing one is a failing
 * test; otherwise the suite's tests do not run and the reporter says so at the end.
 */
export function requireBinary(binary: string, available: boolean, suite: string): void {
  if (available || process.env.CI !== 'true') return;
  it(`needs ${binary} (${suite})`, () => {
    throw new Error(`${binary} is not installed: ${OUTSIDE_BINARIES.find((b) => b.binary === binary)?.install ?? binary}`);
  });
}

/** Prints, after vitest's own summary, the suites that did not run for want of a program. */
export default class OutsideBinariesReporter implements Reporter {
  onTestRunEnd(): void {
    const missing = OUTSIDE_BINARIES.filter((entry) => !present(entry.probe));
    if (missing.length === 0) return;
    const lines = ['', 'Not run, for want of a program outside Node:'];
    for (const entry of missing) lines.push(`  ${entry.suites.join(', ')}: needs ${entry.binary}`);
    lines.push(`Install: ${missing.map((entry) => entry.install).join(' && ')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
