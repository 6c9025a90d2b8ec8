import { describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import { NOTHING } from '../../machines/flush.machine.js';
import { orchestratorMachine } from '../../machines/orchestrator.machine.js';
import { checkPaths, describePath, shortestPaths, type PathModel, type Report } from '../../src/testing/index.js';

const KINDS = ['public', 'private'] as const;

/** The orchestrator with both connections opaque (the kit's stand-ins record what they are told). */
const model: PathModel = {
  machine: orchestratorMachine,
  input: { empty: NOTHING },
  events: () =>
    KINDS.flatMap((kind) => [
      ...[NOTHING, 1].map((fingerprint) => ({ type: 'registry.changed', kind, fingerprint })),
      { type: 'connection.retry', kind },
    ]),
  outcomes: {},
  // The orchestrator never leaves `running` and its context never changes: its vertices are told
  // apart by the event that led to them, so that each transition gets a path of its own.
  serialize: (snapshot, event) => JSON.stringify([snapshot.value, snapshot.context, event ?? null]),
};

const shortest = shortestPaths(model);
let replayed: Promise<Report> | undefined;
const replayAll = () => (replayed ??= checkPaths({ model, paths: shortest }));

describe('orchestrator machine: generated paths', () => {
  it('has 7 shortest paths: the start and one per event it can be sent', () => {
    expect(shortest).toHaveLength(7);
  });

  it('replays every path and takes every transition of the definition', async () => {
    // checkPaths fails unless every transition is taken.
    const report = await replayAll();
    console.log(report.coverage.summary);
    expect(report.replayed).toBe(shortest.length);
    expect(report.coverage.covered).toBe(report.coverage.total);
  });
});

describe('orchestrator machine: along every generated path', () => {
  it('starts one connection per socket kind, each told its kind', async () => {
    const [trace] = (await replayAll()).traces;
    const started = trace?.started.filter((effect) => effect.kind === 'actor.start').map(({ detail: { id, src, input } }) => ({ id, src, input }));
    expect(started).toEqual([
      { id: 'public', src: 'publicConnection', input: { kind: 'public', empty: NOTHING } },
      { id: 'private', src: 'privateConnection', input: { kind: 'private', empty: NOTHING } },
    ]);
  });

  it('hands each event to the connection of its kind, without the kind', async () => {
    let steps = 0;
    for (const trace of (await replayAll()).traces) {
      for (const step of trace.steps) {
        steps += 1;
        const sent = step.effects
          .filter((effect) => effect.kind === 'received')
          .map(({ detail }) => ({ to: detail['to'], event: detail['event'] as EventObject }));
        const { kind, ...forwarded } = step.event;
        expect(sent, describePath(trace.path)).toEqual([{ to: kind, event: forwarded }]);
      }
    }
    expect(steps).toBeGreaterThan(0);
  });
});
