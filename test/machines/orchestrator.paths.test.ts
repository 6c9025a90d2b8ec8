import { describe, expect, it } from 'vitest';
import type { EventObject } from 'xstate';
import { orchestratorMachine } from '../../machines/orchestrator.machine.js';
import type { ConnectionId } from '../../src/protocol/upbit/types.js';
import { EMPTY_FINGERPRINT as NOTHING } from '../../src/registry/fingerprint.js';
import { checkPaths, describePath, pathFromEvents, shortestPaths, type PathModel, type Report } from '../../src/testing/index.js';

/** The two connections that always run, and one public shard the chart spawns and stops. */
const CONNECTIONS: readonly ConnectionId[] = ['public', 'private', 'public-2'];

/** Whether `connection` has an actor in the snapshot. */
const runs = (snapshot: { context: unknown }, connection: ConnectionId): boolean =>
  connection === 'public' || connection === 'private' || (snapshot.context as { shards: string[] }).shards.includes(connection);

/** The orchestrator with every connection opaque (the kit's stand-ins record what they are told). */
const model: PathModel = {
  machine: orchestratorMachine,
  input: { leadingEdge: true },
  // The facade retries only connections that run and releases only spawned shards.
  events: (snapshot) =>
    CONNECTIONS.flatMap((connection) => [
      ...[NOTHING, 1].map((fingerprint) => ({ type: 'registry.changed', connection, fingerprint })),
      ...(runs(snapshot, connection) ? [{ type: 'connection.retry', connection }] : []),
      ...(runs(snapshot, connection) && connection.startsWith('public-') ? [{ type: 'connection.release', connection }] : []),
    ]),
  outcomes: {},
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
let replayed: Promise<Report> | undefined;
const replayAll = () => (replayed ??= checkPaths({ model, paths }));


describe('orchestrator machine: generated paths', () => {
  it('has 17 shortest paths: the start, one per event it can be sent, and once a shard runs, one per event again', () => {
    // 8 events from the start (6 changes, 2 retries); spawning public-2 (two fingerprints) leads
    // to the same context, where 8 events (4 other changes, 3 retries, the release) reach
    // vertices of their own.
    expect(shortest).toHaveLength(17);
  });

  it('replays every path and takes every transition of the definition, spawn and stop included', async () => {
    // checkPaths fails unless every transition is taken.
    const report = await replayAll();
    console.log(report.coverage.summary);
    expect(report.replayed).toBe(paths.length);
    expect(report.coverage.covered).toBe(report.coverage.total);
  });
});

describe('orchestrator machine: along every generated path', () => {
  it('starts the first public connection and the private one, each told its kind and id', async () => {
    const [trace] = (await replayAll()).traces;
    const started = trace?.started.filter((effect) => effect.kind === 'actor.start').map(({ detail: { id, src, input } }) => ({ id, src, input }));
    expect(started).toEqual([
      { id: 'public', src: 'publicConnection', input: { kind: 'public', connection: 'public', leadingEdge: true } },
      { id: 'private', src: 'privateConnection', input: { kind: 'private', connection: 'private', leadingEdge: true } },
    ]);
  });

  it('hands each change, and each retry of a connection that runs, to that connection only, without its id', async () => {
    let steps = 0;
    for (const trace of (await replayAll()).traces) {
      for (const step of trace.steps) {
        steps += 1;
        const sent = step.effects
          .filter((effect) => effect.kind === 'received')
          .map(({ detail }) => ({ to: detail['to'], event: detail['event'] as EventObject }));
        const { connection, ...forwarded } = step.event as { connection: ConnectionId; type: string };
        const forwards = step.event.type === 'registry.changed' || (step.event.type === 'connection.retry' && runs(step.before, connection));
        expect(sent, describePath(trace.path)).toEqual(forwards ? [{ to: connection, event: forwarded }] : []);
      }
    }
    expect(steps).toBeGreaterThan(0);
  });

  it('spawns a shard the first time a change names it, and stops it on release only', async () => {
    let spawns = 0;
    let stops = 0;
    for (const trace of (await replayAll()).traces) {
      for (const step of trace.steps) {
        const connection = step.event['connection'] as ConnectionId;
        const spawnsHere = step.event.type === 'registry.changed' && !runs(step.before, connection);
        const stopsHere = step.event.type === 'connection.release' && runs(step.before, connection) && connection.startsWith('public-');
        expect(runs(step.after, connection), describePath(trace.path)).toBe(stopsHere ? false : spawnsHere ? true : runs(step.before, connection));
        if (spawnsHere) spawns++;
        if (stopsHere) stops++;
      }
    }
    expect(spawns).toBeGreaterThan(0);
    expect(stops).toBeGreaterThan(0);
  });
});
