import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, readExports, type EntryExports } from './exports.js';
import { codeSpans, identifierOf, proseLines, sectionsAt, tablesOf } from './markdown.js';

/** The package's entry points: the `## \`name\`` section of docs/api.md that documents each. */
const ENTRIES = [
  { name: 'upstate', source: 'src/index.ts', load: () => import('../../src/index.js') },
  { name: 'upstate/machines', source: 'machines/index.ts', load: () => import('../../machines/index.js') },
  { name: 'upstate/sim', source: 'src/sim/index.ts', load: () => import('../../src/sim/index.js') },
  { name: 'upstate/gateway', source: 'src/fleet/index.ts', load: () => import('../../src/fleet/index.js') },
  { name: 'upstate/testing', source: 'src/testing/index.ts', load: () => import('../../src/testing/index.js') },
] as const;

/**
 * Tables whose first column lists the members of the documented symbol, and must list them all:
 * options, fields, events, methods and members of an interface or class, values of a union.
 */
const MEMBER_TABLES = new Set(['Option', 'Field', 'Event', 'Method', 'Member', 'Code', 'Value']);

/** Sections that must carry such a table, so the checks below can never silently vanish. */
const REQUIRED_TABLES: Readonly<Record<string, readonly string[]>> = {
  upstate: ['OrchestratorOptions', 'OrchestratorEvents', 'ErrorCode', 'StreamOptions', 'OrchestratorStats', 'Spec'],
  'upstate/machines': ['FlushStats', 'ConnectionStats'],
  'upstate/sim': ['ExchangeOptions', 'ExchangeEvents', 'ExchangeHandle'],
  'upstate/gateway': ['GatewayOptions', 'GatewayEvents', 'FleetClientOptions', 'GatewayStats'],
  'upstate/testing': ['PathModel', 'CheckOptions', 'Report'],
};

interface DocumentedSymbol {
  /** The names of its `###` heading (a heading may document several related symbols). */
  readonly names: readonly string[];
  readonly heading: string;
  /** The first column of each member table, as member names. */
  readonly tables: readonly { readonly kind: string; readonly names: readonly string[] }[];
}

/** The `###` sections under each `## \`entry\`` section of an api.md. */
function parseApi(markdown: string): Map<string, DocumentedSymbol[]> {
  const entries = new Map<string, DocumentedSymbol[]>();
  for (const entry of sectionsAt(proseLines(markdown), 2)) {
    const [entryName] = codeSpans(entry.heading);
    if (entryName === undefined) continue;
    const symbols = sectionsAt(entry.lines, 3).map((section) => ({
      heading: section.heading,
      names: codeSpans(section.heading).map(identifierOf),
      tables: tablesOf(section.lines)
        .filter((table) => MEMBER_TABLES.has(table.head[0] ?? ''))
        .map((table) => ({
          kind: table.head[0]!,
          // `heartbeat.intervalMs` documents the option `heartbeat`; a union value keeps its dots.
          names: table.rows.flatMap((row) =>
            codeSpans(row[0] ?? '').map((span) => {
              const name = identifierOf(span);
              return table.head[0] === 'Option' || table.head[0] === 'Field' ? name.split('.')[0]! : name;
            }),
          ),
        })),
    }));
    entries.set(entryName, symbols);
  }
  return entries;
}

/** Names in `a` and not in `b`, sorted. */
function missingFrom(a: Iterable<string>, b: Iterable<string>): string[] {
  const have = new Set(b);
  return [...new Set(a)].filter((name) => !have.has(name)).sort();
}

const API_PATH = `${ROOT}docs/api.md`;
let documented: Map<string, DocumentedSymbol[]>;
let exported: Map<string, EntryExports>;

beforeAll(() => {
  documented = parseApi(readFileSync(API_PATH, 'utf8'));
  // One program for all three entries: building it is the slow part (a few seconds).
  exported = readExports(ENTRIES.map((entry) => entry.source));
});

function documentedNames(entry: string): string[] {
  return (documented.get(entry) ?? []).flatMap((symbol) => symbol.names);
}

describe('docs/api.md', () => {
  it('has a section for each entry point', () => {
    expect([...documented.keys()]).toEqual(ENTRIES.map((entry) => entry.name));
  });

  describe.each(ENTRIES)('`$name`', (entry) => {
    it('documents only symbols the entry point exports', () => {
      const exports = exported.get(entry.source)!;
      expect(missingFrom(documentedNames(entry.name), exports.symbols.keys()), 'documented in docs/api.md but not exported').toEqual([]);
    });

    it('documents every value the entry point exports at run time', async () => {
      const runtime = Object.keys(await entry.load());
      expect(runtime.length).toBeGreaterThan(0);
      expect(missingFrom(runtime, documentedNames(entry.name)), 'exported but missing from docs/api.md').toEqual([]);
    });

    it('documents every type the entry point exports', () => {
      const types = [...exported.get(entry.source)!.symbols.values()].filter((symbol) => !symbol.isValue).map((symbol) => symbol.name);
      expect(missingFrom(types, documentedNames(entry.name)), 'exported types missing from docs/api.md').toEqual([]);
    });

    it('lists every option, field, event, method and error code in its tables, and nothing else', () => {
      const exports = exported.get(entry.source)!;
      const problems: string[] = [];
      for (const symbol of documented.get(entry.name) ?? []) {
        for (const table of symbol.tables) {
          if (symbol.names.length !== 1) {
            problems.push(`${symbol.heading}: a ${table.kind} table needs a heading that names one symbol`);
            continue;
          }
          const name = symbol.names[0]!;
          const members = exports.membersOf(name);
          if (members === undefined) {
            problems.push(`${name}: a ${table.kind} table, but the type has no members to compare`);
            continue;
          }
          for (const member of missingFrom(members, table.names)) problems.push(`${name}: \`${member}\` is not documented`);
          for (const member of missingFrom(table.names, members)) problems.push(`${name}: \`${member}\` is documented but does not exist`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('has a member table for each symbol users configure or listen to', () => {
      const withTables = (documented.get(entry.name) ?? []).filter((symbol) => symbol.tables.length > 0).flatMap((symbol) => symbol.names);
      expect(missingFrom(REQUIRED_TABLES[entry.name] ?? [], withTables)).toEqual([]);
    });
  });

  it('explains every ErrorCode', () => {
    const codes = exported.get('src/index.ts')!.membersOf('ErrorCode');
    const table = documented.get('upstate')!.find((symbol) => symbol.names.includes('ErrorCode'))?.tables[0];
    expect(codes?.length).toBeGreaterThanOrEqual(10);
    expect(missingFrom(codes ?? [], table?.names ?? [])).toEqual([]);
  });
});

describe('the api.md reader', () => {
  const sample = [
    '# API',
    '## `pkg`',
    '### `alpha`, `Beta<T>`',
    '```ts',
    '### `notAHeading`',
    '| Option | Type |',
    '|---|---|',
    '| `ignored` | in code |',
    '```',
    '#### `alpha.method(x)`',
    '| Option | Type | Default |',
    '|---|---|---|',
    '| `timeouts.connectMs` | `number` | `1` |',
    '| `a`, `b` | `number` | `1` |',
    '### `Gamma`',
    '| Value | |',
    '|---|---|',
    "| `'candle.1s'` | a value |",
    '',
    '| Kind | |',
    '|---|---|',
    '| `notChecked` | |',
    '## Not an entry',
    '### `outside`',
  ].join('\n');

  it('reads the symbols of `###` headings per entry, outside code, with generic parameters dropped', () => {
    const parsed = parseApi(sample);
    expect([...parsed.keys()]).toEqual(['pkg']);
    expect(parsed.get('pkg')!.map((symbol) => symbol.names)).toEqual([['alpha', 'Beta'], ['Gamma']]);
  });

  it('reads member tables: option paths by their first segment, union values whole, other tables not at all', () => {
    const [alpha, gamma] = parseApi(sample).get('pkg')!;
    expect(alpha!.tables).toEqual([{ kind: 'Option', names: ['timeouts', 'a', 'b'] }]);
    expect(gamma!.tables).toEqual([{ kind: 'Value', names: ['candle.1s'] }]);
  });

  it('finds what is missing on either side', () => {
    expect(missingFrom(['a', 'b', 'c'], ['b'])).toEqual(['a', 'c']);
    expect(missingFrom(['a'], ['a', 'z'])).toEqual([]);
  });
});
