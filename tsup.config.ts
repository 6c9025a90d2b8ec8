import { defineConfig } from 'tsup';

// No source maps: the package ships neither src/ nor machines/, and maps without their sources
// only rename positions into files a user does not have. The output is unminified, so a stack
// trace into dist/ reads as it is.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      machines: 'machines/index.ts',
      sim: 'src/sim/index.ts',
      gateway: 'src/fleet/index.ts',
      testing: 'src/testing/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node20',
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
