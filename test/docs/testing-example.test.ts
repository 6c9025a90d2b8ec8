import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './exports.js';

/** The first fenced `ts` block of a markdown page. */
function firstTypeScriptBlock(markdown: string): string | undefined {
  return /^```ts\n([\s\S]*?)^```$/m.exec(markdown)?.[1];
}

describe('docs/testing.md', () => {
  it('shows exactly the example that test/docs/examples/flush-gate.test.ts runs', () => {
    // That file imports `upstate/machines` and `upstate/testing` as a user does; vitest.config.ts
    // points both at the sources, so the example in the docs runs with every `npm test`.
    const documented = firstTypeScriptBlock(readFileSync(join(ROOT, 'docs/testing.md'), 'utf8'));
    const example = readFileSync(join(ROOT, 'test/docs/examples/flush-gate.test.ts'), 'utf8');
    expect(documented).toBe(example);
  });
});
