import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The docs' examples import upstate's entry points by name, as a user's code does.
  resolve: {
    alias: [
      { find: /^upstate\/machines$/, replacement: source('./machines/index.ts') },
      { find: /^upstate\/testing$/, replacement: source('./src/testing/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Prints, last, the suites that did not run for want of an outside program (Chromium…).
    globalSetup: ['test/support/binaries-report.ts'],
    // Network tests use the embedded exchange on 127.0.0.1; everything else runs on fake time.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Type tests of the public API (test/types/*.test-d.ts), checked by tsc as part of `npm test`.
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
