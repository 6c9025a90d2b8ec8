import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './exports.js';
import { anchorsOf, codeSpans, linkTargets, proseLines, slugOf } from './markdown.js';

const DOCS = join(ROOT, 'docs');
const pages = readdirSync(DOCS)
  .filter((file) => file.endsWith('.md'))
  .sort();

/** A code span that names a file or folder of this repository: `src/registry/plan.ts`, `src/cli/`. */
const REPO_PATH = /^(?:src|machines|scripts|test|docs|bench)\/[\w./-]*$/;

describe.each(pages)('docs/%s', (page) => {
  const path = join(DOCS, page);
  const markdown = readFileSync(path, 'utf8');

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const target of linkTargets(markdown)) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [file = '', anchor] = target.split('#');
      const linked = file === '' ? path : resolve(dirname(path), file);
      if (!existsSync(linked)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor !== undefined && linked.endsWith('.md') && !anchorsOf(readFileSync(linked, 'utf8')).has(anchor)) {
        broken.push(`${target}: no such heading in ${relative(ROOT, linked)}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only repository files that exist', () => {
    const spans = proseLines(markdown).flatMap(codeSpans);
    const missing = spans.filter((span) => REPO_PATH.test(span) && !existsSync(join(ROOT, span)));
    expect(missing).toEqual([]);
  });
});

describe('slugOf', () => {
  it('makes the anchors GitHub makes', () => {
    expect(slugOf('`upstate/machines`')).toBe('upstatemachines');
    expect(slugOf('`cacheTypes` — instant values for late joiners')).toBe('cachetypes--instant-values-for-late-joiners');
    expect(slugOf('Rate limits')).toBe('rate-limits');
  });

  it('numbers repeated headings', () => {
    expect([...anchorsOf('## Errors\n### Errors\n```\n# not a heading\n```')]).toEqual(['errors', 'errors-1']);
  });
});
