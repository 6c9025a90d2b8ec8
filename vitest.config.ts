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
    // Network tests use the embedded exchange on 127.0.0.1; everything else runs on fake time.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
