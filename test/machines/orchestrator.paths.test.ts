import { describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import { CONNECTION_KINDS as KINDS } from '../../src/protocol/upbit/types.js';
import { EMPTY_FINGERPRINT as NOTHING } from '../../src/registry/fingerprint.js';
import { orchestratorMachine } from '../../machines/orchestrator.machine.js';
import { describePath, expectEveryTransitionTaken, pureRun, replayCache, shortestPaths, stepsOf, type GraphModel } from './harness.js';

/** The orchestrator with both connections opaque (stubs that record what they are told). */
const model: GraphModel = {
  machine: orchestratorMachine,
  input: { leadingEdge: true },
  events: () =>
    KINDS.flatMap((kind) => [
      ...[NOTHING, 1].map((fingerprint) => ({ type: 'registry.changed', kind, fingerprint })),
      { type: 'connection.retry', kind },
    ]),
  outcomes: {},
  callbacks: ['publicConnection', 'privateConnection'],
  // The orchestrator never leaves `running` and its context never changes: its vertices are told
  // apart by the event that led to them, so that each transition gets a path of its own.
  serialize: (snapshot, event) => JSON.stringify([snapshot.value, snapshot.context, event ?? null]),
};

const shortest = shortestPaths(model);
const replayPath = replayCache(model);

describe('orchestrator machine: generated paths', () => {
  it('has 7 shortest paths: the start and one per event it can be sent', () => {
    expect(shortest).toHaveLength(7);
  });

  describe('replays the shortest path to every reachable state', () => {
    for (const path of shortest) {
      it(describePath(path), async () => {
        await replayPath(path);
      });
    }
  });

  it('takes every transition of the definition', async () => {
    const traces = [];
    for (const path of shortest) traces.push(await replayPath(path));
    expectEveryTransitionTaken(orchestratorMachine, traces);
  });
});

describe('orchestrator machine: along every generated path', () => {
  it('starts one connection per socket kind, each told its kind', () => {
    const [start] = pureRun(model, []);
    const spawned = start?.actions
      .filter((action) => action.type === 'xstate.spawnChild')
      .map((action) => {
        const { id, src, input } = action.params as { id: string; src: unknown; input: unknown };
        return { id, src, input };
      });
    expect(spawned).toEqual([
      { id: 'public', src: 'publicConnection', input: { kind: 'public', leadingEdge: true } },
      { id: 'private', src: 'privateConnection', input: { kind: 'private', leadingEdge: true } },
    ]);
  });

  it('hands each event to the connection of its kind, without the kind', () => {
    for (const path of shortest) {
      for (const step of stepsOf(model, path)) {
        const sent = step.actions
          .filter((action) => action.type === 'xstate.sendTo')
          .map((action) => {
            const { targetId, event } = action.params as { targetId: string; event: EventObject };
            return { to: targetId, event };
          });
        const { kind, ...forwarded } = step.event;
        expect(sent, describePath(path)).toEqual([{ to: kind, event: forwarded }]);
      }
    }
  });
});
