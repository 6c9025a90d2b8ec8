/**
 * Suites that need a program from outside npm (Chromium, nats-server). With the program present
 * they run. Without it they do not run and say so: the suite is reported as skipped, and the
 * global teardown (test/support/binaries-report.ts) prints, as the last lines of `npm test`,
 * which suites did not run and the command that installs what they need. Under `CI=true` a
 * missing program fails the suite instead.
 */
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder where suites leave a note when a program they need is missing. */
    missingBinariesDir: string;
  }
}

export interface OutsideBinary {
  /** Where the program is looked for. */
  readonly path: string;
  /** The one command that installs it, e.g. `apt-get install chromium`. */
  readonly install: string;
}

export const CHROMIUM: OutsideBinary = { path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', install: 'apt-get install chromium' };
export const NATS_SERVER: OutsideBinary = { path: process.env.NATS_SERVER_PATH ?? onPath('nats-server'), install: 'apt-get install nats-server' };

/** Where `name` is on PATH (Debian puts nats-server in /usr/sbin), or the bare name when it is not. */
function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return name;
}

/** Whether `binary` can be run here. */
export function isPresent(binary: OutsideBinary): boolean {
  try {
    accessSync(binary.path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the suite named `suite` can run: true when `binary` is present. When it is not,
 * leaves a note for the closing report (false), or throws under `CI=true`.
 */
export function requireBinary(binary: OutsideBinary, suite: string): boolean {
  if (isPresent(binary)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${suite} needs ${binary.path}, which is missing (CI=true makes this a failure): ${binary.install}`);
  }
  const dir = inject('missingBinariesDir');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${encodeURIComponent(suite)}.json`), JSON.stringify({ suite, ...binary }));
  return false;
}
