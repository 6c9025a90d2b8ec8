import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // Network tests use the embedded exchange on 127.0.0.1; everything else runs on fake time.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // The last lines of a run say which suites needed a missing outside program (test/outside-binaries.ts).
    reporters: ['default', './test/outside-binaries.ts'],
  },
});
