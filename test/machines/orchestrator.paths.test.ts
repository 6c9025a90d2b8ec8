import { describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import type { ConnectionId } from '../../src/protocol/upbit/types.js';
import { EMPTY_FINGERPRINT as NOTHING } from '../../src/registry/fingerprint.js';
import { orchestratorMachine } from '../../machines/orchestrator.machine.js';
import { describePath, expectEveryTransitionTaken, pathFromEvents, pureRun, replayCache, shortestPaths, stepsOf, type GraphModel } from './harness.js';

/** The two connections that always run, and one public shard the chart spawns and stops. */
const CONNECTIONS: readonly ConnectionId[] = ['public', 'private', 'public-2'];

/** The orchestrator with every connection opaque (stubs that record what they are told). */
const model: GraphModel = {
  machine: orchestratorMachine,
  input: { leadingEdge: true },
  events: () =>
    CONNECTIONS.flatMap((connection) => [
      ...[NOTHING, 1].map((fingerprint) => ({ type: 'registry.changed', connection, fingerprint })),
      { type: 'connection.retry', connection },
      { type: 'connection.release', connection },
    ]),
  outcomes: {},
  callbacks: ['publicConnection', 'privateConnection'],
  // The orchestrator never leaves `running` and its context changes only with the shards it runs:
  // its vertices are told apart by the event that led to them too, so that each transition gets
  // a path of its own.
  serialize: (snapshot, event) => JSON.stringify([snapshot.value, snapshot.context, event ?? null]),
};

const shortest = shortestPaths(model);
/**
 * Spawn then stop: its end vertex is the one `release` reaches from the start (nothing runs, the
 * same event), so no shortest path takes the stop; this one does.
 */
const spawnThenStop = pathFromEvents(model, [
  { type: 'registry.changed', connection: 'public-2', fingerprint: 1 },
  { type: 'connection.release', connection: 'public-2' },
]);
const paths = [...shortest, spawnThenStop];
const replayPath = replayCache(model);

describe('orchestrator machine: generated paths', () => {
  it('has 22 shortest paths: the start, one per event it can be sent, and once a shard runs, one per event again', () => {
    // 12 events from the start; spawning public-2 (two fingerprints) leads to the same context,
    // where 9 events (every one but the spawning changes) reach vertices of their own.
    expect(shortest).toHaveLength(22);
  });

  describe('replays the shortest path to every reachable state, and a shard spawned then stopped', () => {
    for (const path of paths) {
      it(describePath(path), async () => {
        await replayPath(path);
      });
    }
  });

  it('takes every transition of the definition', async () => {
    const traces = [];
    for (const path of paths) traces.push(await replayPath(path));
    expectEveryTransitionTaken(orchestratorMachine, traces);
  });
});

describe('orchestrator machine: along every generated path', () => {
  it('starts the first public connection and the private one, each told its kind and id', () => {
    const [start] = pureRun(model, []);
    const spawned = start?.actions
      .filter((action) => action.type === 'xstate.spawnChild')
      .map((action) => {
        const { id, src, input } = action.params as { id: string; src: unknown; input: unknown };
        return { id, src, input };
      });
    expect(spawned).toEqual([
      { id: 'public', src: 'publicConnection', input: { kind: 'public', connection: 'public', leadingEdge: true } },
      { id: 'private', src: 'privateConnection', input: { kind: 'private', connection: 'private', leadingEdge: true } },
    ]);
  });

  /** Whether `connection` has an actor in the snapshot before a step. */
  const runs = (snapshot: { context: unknown }, connection: ConnectionId): boolean =>
    connection === 'public' || connection === 'private' || (snapshot.context as { shards: string[] }).shards.includes(connection);

  it('hands each change, and each retry of a connection that runs, to that connection only, without its id', () => {
    for (const path of shortest) {
      for (const step of stepsOf(model, path)) {
        const sent = step.actions
          .filter((action) => action.type === 'xstate.sendTo')
          .map((action) => {
            const { targetId, event } = action.params as { targetId: string; event: EventObject };
            return { to: targetId, event };
          });
        const { connection, ...forwarded } = step.event as { connection: ConnectionId; type: string };
        const expected =
          step.event.type === 'registry.changed' || (step.event.type === 'connection.retry' && runs(step.before, connection))
            ? [{ to: connection, event: forwarded }]
            : [];
        expect(sent, describePath(path)).toEqual(expected);
      }
    }
  });

  it('spawns a shard the first time a change names it, and stops it on release only', () => {
    let spawns = 0;
    let stops = 0;
    for (const path of paths) {
      for (const step of stepsOf(model, path)) {
        const connection = step.event['connection'] as ConnectionId;
        const spawned = step.actions.filter((action) => action.type === 'xstate.spawnChild').map((action) => {
            const { actorRef, input } = action.params as { actorRef: { id: string }; input: unknown };
            return { id: actorRef.id, input };
          });
        const stopped = step.actions.filter((action) => action.type === 'xstate.stopChild');
        const spawnsHere = step.event.type === 'registry.changed' && !runs(step.before, connection);
        const stopsHere = step.event.type === 'connection.release' && runs(step.before, connection) && connection.startsWith('public-');
        expect(spawned, describePath(path)).toEqual(
          spawnsHere ? [{ id: connection, input: { kind: 'public', connection, leadingEdge: true } }] : [],
        );
        expect(stopped, describePath(path)).toHaveLength(stopsHere ? 1 : 0);
        expect(runs(step.after, connection), describePath(path)).toBe(stopsHere ? false : spawnsHere ? true : runs(step.before, connection));
        if (spawnsHere) spawns++;
        if (stopsHere) stops++;
      }
    }
    expect(spawns).toBeGreaterThan(0);
    expect(stops).toBeGreaterThan(0);
  });
});
