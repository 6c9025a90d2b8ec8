import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { and, fromPromise, not, setup } from 'xstate';
import { flushMachine } from '../../machines/index.js';
import {
  MACHINE_DOCS,
  OUT_OF_DATE,
  renderStatecharts,
  run,
  STATECHARTS_PATH,
  undocumented,
  type MachineDoc,
} from '../../scripts/docs-machines.js';

/** A small chart with every construct the generator draws. */
const fixture = setup({
  types: { events: {} as { type: 'go' } | { type: 'stop' } },
  actors: { load: fromPromise(async () => {}) },
  guards: { isReady: () => true },
  delays: { pause: 1_000 },
  actions: { note: () => {} },
}).createMachine({
  id: 'fixture',
  description: 'A fixture.',
  initial: 'idle',
  on: { stop: { actions: 'note' } },
  states: {
    idle: { description: 'Waits.', on: { go: { guard: 'isReady', target: 'busy', description: 'Ready to go.' } } },
    busy: {
      description: 'Works in two regions.',
      type: 'parallel',
      states: {
        left: {
          description: 'Left region.',
          initial: 'loading',
          states: {
            loading: {
              description: 'Loads.',
              invoke: { src: 'load', onDone: 'loaded', onError: '#fixture.idle' },
            },
            loaded: { description: 'Loaded.', after: { pause: 'loading' } },
          },
        },
        right: {
          description: 'Right region.',
          initial: 'checking',
          states: {
            checking: { description: 'Checks.', always: { guard: 'isReady', target: 'done' } },
            done: { description: 'Done.', type: 'final' },
          },
        },
      },
    },
  },
});

const fixtureDoc: MachineDoc = {
  machine: fixture,
  exportName: 'fixtureMachine',
  source: 'test/fixture.ts',
  guards: { isReady: 'It is ready.' },
  delays: { pause: { text: 'A pause.', option: 'pauseMs' } },
};

/** The lines of the first Mermaid block of a rendered page, trimmed. */
function diagramLines(page: string): string[] {
  const block = /```mermaid\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
  return block.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}

describe('docs/statecharts.md', () => {
  it('matches the machines (run `npm run docs:machines` after changing a chart)', () => {
    const committed = readFileSync(STATECHARTS_PATH, 'utf8');
    expect(committed, OUT_OF_DATE).toBe(renderStatecharts());
  });

  it('explains every guard, delay and state of every machine', () => {
    expect(undocumented(), 'add a `description` to the state, or an entry to the tables in scripts/docs-machines.ts').toEqual([]);
  });

  it('has a section per exported machine, each with a diagram', () => {
    const page = renderStatecharts();
    for (const doc of MACHINE_DOCS) expect(page).toContain(`## \`${doc.exportName}\``);
    expect(page.match(/```mermaid\nstateDiagram-v2\n/g)).toHaveLength(MACHINE_DOCS.length);
  });

  it('is the same text on every run (no dates, no random ids)', () => {
    expect(renderStatecharts()).toBe(renderStatecharts());
    expect(renderStatecharts()).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
  });
});

describe('the generator', () => {
  it('draws states, nested and parallel regions, initial and final arrows', () => {
    const lines = diagramLines(renderStatecharts([fixtureDoc]));
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('state busy {');
    expect(lines).toContain('state "left" as busy_left {');
    expect(lines).toContain('state "loading" as busy_left_loading');
    expect(lines).toContain('[*] --> busy_left_loading');
    expect(lines).toContain('busy_right_done --> [*]');
    expect(lines).toContain('[*] --> idle');
    // Regions of a parallel state are separated, and a parallel state has no initial arrow of its own.
    expect(lines.filter((line) => line === '--')).toHaveLength(1);
    expect(lines).not.toContain('[*] --> busy_left');
  });

  it('labels edges with the event, the named delay, `always` or the invoked actor, and the guard', () => {
    const lines = diagramLines(renderStatecharts([fixtureDoc]));
    expect(lines).toContain('idle --> busy : go [isReady]');
    expect(lines).toContain('busy_left_loaded --> busy_left_loading : after pause');
    expect(lines).toContain('busy_right_checking --> busy_right_done : always [isReady]');
    expect(lines).toContain('busy_left_loading --> busy_left_loaded : load done');
    expect(lines).toContain('busy_left_loading --> idle : load error');
  });

  it('draws an edge inside the composite of its two ends, and every other edge after all states', () => {
    const lines = diagramLines(renderStatecharts([fixtureDoc]));
    const local = lines.indexOf('busy_left_loading --> busy_left_loaded : load done');
    const crossing = lines.indexOf('busy_left_loading --> idle : load error');
    const closing = lines.lastIndexOf('}');
    expect(local).toBeGreaterThan(0);
    expect(local).toBeLessThan(closing);
    expect(crossing).toBeGreaterThan(closing);
  });

  it('lists targetless transitions in the table instead of drawing them', () => {
    const page = renderStatecharts([fixtureDoc]);
    expect(diagramLines(page).some((line) => line.includes('stop'))).toBe(false);
    expect(page).toContain('| `(root)` | `stop` |  | (stays) | `note` |  |');
  });

  it('tables each state with its description, and each guard and delay with its explanation', () => {
    const page = renderStatecharts([fixtureDoc]);
    expect(page).toContain('| `busy.left.loading` | Loads. |  | `load` |');
    expect(page).toContain('| `idle` | `go` | `isReady` | `busy` |  | Ready to go. |');
    expect(page).toContain('| `isReady` | It is ready. |');
    expect(page).toContain('| `pause` | 1 s | `pauseMs` | A pause. |');
  });

  it('reports a guard or delay with no explanation, an explanation of nothing, and a state with no description', () => {
    // A guard the tables do not know, as a chart that gained one would have.
    const extra = flushMachine.provide({ guards: { isShiny: () => true } } as Parameters<typeof flushMachine.provide>[0]);
    const flushDoc = MACHINE_DOCS.find((doc) => doc.exportName === 'flushMachine')!;
    expect(undocumented([{ ...flushDoc, machine: extra }])).toEqual([
      'machines/flush.machine.ts: guard `isShiny` has no explanation in scripts/docs-machines.ts',
    ]);
    expect(undocumented([{ ...fixtureDoc, delays: {}, guards: { ...fixtureDoc.guards, isGone: 'Gone.' } }])).toEqual([
      'test/fixture.ts: delay `pause` has no explanation in scripts/docs-machines.ts',
      'test/fixture.ts: explained guard `isGone` is not in the machine',
    ]);
    const bare = setup({}).createMachine({ id: 'bare', initial: 'a', states: { a: {} } });
    expect(undocumented([{ machine: bare, exportName: 'bare', source: 'bare.ts', guards: {}, delays: {} }])).toEqual([
      'bare.ts: state `a` has no `description`',
    ]);
  });

  it('names guard combinators by the guards they combine', () => {
    const combined = setup({ guards: { isReady: () => true, isLate: () => false } }).createMachine({
      id: 'combined',
      initial: 'a',
      states: { a: { description: 'A.', always: { guard: and(['isReady', not('isLate')]), target: 'b' } }, b: { description: 'B.' } },
    });
    const doc: MachineDoc = { machine: combined, exportName: 'c', source: 'c.ts', guards: { isReady: 'R.', isLate: 'L.' }, delays: {} };
    expect(diagramLines(renderStatecharts([doc]))).toContain('a --> b : always [and(isReady, not(isLate))]');
    expect(undocumented([doc])).toEqual([]);
  });

  it('reports inline guards and unnamed delays, which have no name to explain', () => {
    const inline = setup({}).createMachine({
      id: 'inline',
      initial: 'a',
      states: {
        a: { description: 'A.', always: { guard: () => false, target: 'b' } },
        b: { description: 'B.', after: { 250: 'a' } },
      },
    });
    expect(undocumented([{ machine: inline, exportName: 'inline', source: 'inline.ts', guards: {}, delays: {} }])).toEqual([
      'inline.ts: an inline guard in `a` has no name to explain',
      'inline.ts: `b` has an unnamed delay of 250 ms',
    ]);
  });
});

describe('npm run docs:machines', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'upstate-docs-'));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'log').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the page, and --check then passes', () => {
    const path = join(dir, 'statecharts.md');
    expect(run([], path)).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(renderStatecharts());
    expect(run(['--check'], path)).toBe(0);
  });

  it('--check fails, and says what to run, when the file differs or is missing', () => {
    const path = join(dir, 'statecharts.md');
    writeFileSync(path, renderStatecharts().replace('stateDiagram-v2', 'stateDiagram'));
    expect(run(['--check'], path)).toBe(1);
    expect(console.error).toHaveBeenCalledWith(OUT_OF_DATE);
    expect(run(['--check'], join(dir, 'missing.md'))).toBe(1);
    expect(readFileSync(path, 'utf8')).not.toBe(renderStatecharts());
  });
});
