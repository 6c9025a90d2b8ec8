/**
 * Runs every `bench/*.bench.ts` in turn: `npm run bench` (= `node --import tsx bench/index.ts`).
 * Each module exports `run()`. Benchmarks are never part of the test suite.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort();

console.log(`upstate benchmarks — Node ${process.version}, ${process.arch}`);
for (const file of files) {
  const module = (await import(pathToFileURL(join(here, file)).href)) as { run: () => void | Promise<void> };
  console.log(`\n━━ ${file}`);
  await module.run();
}
