import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, SimulatedClock, type AnyMachineSnapshot, type EventObject } from 'xstate';
import {
  BLOCKED_PENALTY_MS,
  connectionMachine,
  MAX_ATTEMPT,
  RATE_LIMITED_PENALTY_MS,
  type ConnectionContext,
  type LinkFailure,
  type LinkInput,
} from '../../machines/connection.machine.js';
import { EMPTY_FINGERPRINT as NOTHING } from '../../src/registry/fingerprint.js';
import {
  actorEvents,
  checkPaths,
  checkTraces,
  connectionProperties,
  coverage,
  edgePaths,
  entered,
  left,
  pathFromEvents,
  replay,
  shortestPaths,
  stepProperty,
  timerEvent,
  type ModelEvent,
  type PathClock,
  type PathModel,
  type PromiseActorArgs,
  type PathStep,
  type Property,
  type Report,
  type Trace,
} from '../../src/testing/index.js';

const GATE_CLOSED = { reason: 'gate closed' };
const RETRY_AFTER_MS = 2_000;
const REFUSALS: readonly LinkFailure[] = [
  { status: 429 },
  { status: 429, retryAfterMs: RETRY_AFTER_MS },
  { status: 418 },
  { status: 401 },
  {}, // no HTTP status: the network failed
];

const contextOf = (snapshot: AnyMachineSnapshot) => snapshot.context as ConnectionContext;

/** The connection with its flush child opaque (a stub that records what it is told). */
const model: PathModel = {
  machine: connectionMachine,
  input: { kind: 'public' },
  events: (snapshot) => [
    // Only "wanted" and "not wanted" steer the connection; what exactly is wanted is the flush's business.
    ...[NOTHING, 1].filter((f) => f !== contextOf(snapshot).desired).map((fingerprint) => ({ type: 'registry.changed', fingerprint })),
    { type: 'link.alive' },
    { type: 'link.closed', code: 1006 },
    { type: 'link.rejected', name: 'INVALID_AUTH' },
    // Upbit answers requests, and requests go out on an open socket only.
    ...(snapshot.matches('open') ? [{ type: 'link.refused', name: 'INVALID_PARAM' }] : []),
    { type: 'connection.retry' },
  ],
  outcomes: {
    acquireConnectToken: () => ({ done: [undefined], error: [GATE_CLOSED] }),
    openLink: () => ({ done: [undefined], error: REFUSALS }),
  },
  serialize: (snapshot) => {
    const { desired, attempt, penaltyMs } = contextOf(snapshot);
    return JSON.stringify([snapshot.value, desired, attempt, penaltyMs]);
  },
};

const shortest = shortestPaths(model);
const throughEdges = edgePaths(model);
const REPLAY_TIMEOUT = 180_000;

/** Every generated path replayed once against the machine with the kit's stand-in actors. */
let replayed: Promise<Report> | undefined;
function replayAll(): Promise<Report> {
  replayed ??= checkPaths({ model, paths: [...shortest, ...throughEdges], requireFullCoverage: false });
  return replayed;
}

async function holdsAlongEveryPath(property: Property): Promise<void> {
  checkTraces(model, (await replayAll()).traces, { properties: [property], requireFullCoverage: false });
}

type StepTest = (step: PathStep, steps: readonly PathStep[]) => boolean;

/** Fails unless `holds` is true at every step of every replayed path where `applies` is, and `applies` was true somewhere. */
function assertAlong(applies: StepTest, holds: StepTest): Promise<void> {
  return holdsAlongEveryPath(
    stepProperty(expect.getState().currentTestName ?? 'property', (step, trace) =>
      applies(step, trace.steps) ? holds(step, trace.steps) || 'broken' : undefined,
    ),
  );
}

/** The index of the last element of `items` that satisfies `test`, or -1. */
function lastIndexWhere<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i] as T)) return i;
  return -1;
}

/** The snapshots a trace went through, the initial one first. */
const snapshotsOf = (trace: Trace) => [trace.initial, ...trace.steps.map((step) => step.after)];

const failureOf = (event: ModelEvent) => event['error'] as LinkFailure;
const changed = (fingerprint: number): ModelEvent => ({ type: 'registry.changed', fingerprint });
/** Whether `event` is a refusal that imposes a least wait (a 429 or a 418). */
const imposesPenalty = (event: ModelEvent) => event.type === OPENLINK_ERROR && [429, 418].includes(failureOf(event).status ?? 0);

/** The events the child `to` (a stand-in of the kit) received during `step`. */
function sentTo(step: PathStep, to: string): EventObject[] {
  return step.effects.filter((effect) => effect.kind === 'received' && effect.detail['to'] === to).map((effect) => effect.detail['event'] as EventObject);
}

const OPENLINK_ERROR = actorEvents(connectionMachine, 'openLink').error;
const TOKEN_GRANTED = actorEvents(connectionMachine, 'acquireConnectToken').done;
const STABLE = timerEvent(connectionMachine, 'stablePeriod');
const BACKED_OFF = timerEvent(connectionMachine, 'reconnectBackoff');
const UNBLOCKED = timerEvent(connectionMachine, 'blockDuration');

/**
 * Relays to the flush leave the connection's own vertex as it was, so no generated edge takes
 * them: one path each, on an open link.
 */
function relayPaths() {
  const open = [changed(1), { type: TOKEN_GRANTED }, { type: actorEvents(connectionMachine, 'openLink').done }];
  return [{ type: 'link.refused', name: 'INVALID_PARAM' }, { type: 'connection.retry' }].map((relay) => pathFromEvents(model, [...open, relay]));
}

describe('connection machine: generated paths', () => {
  it('has 252 shortest paths to its states and 873 through the edges between them', () => {
    // Every attempt count 0..16 is a state of its own: the cap is part of what is tested. A
    // 429/418 penalty lives only from the refusal to the next attempt (cleared on entering
    // `connecting`), so it multiplies only the backoff and blocked states, not the later ones.
    expect(shortest).toHaveLength(252);
    expect(throughEdges).toHaveLength(873);
  });

  it(
    'replays every path against the machine and takes every transition of the definition',
    async () => {
      const report = await replayAll();
      expect(report.replayed).toBe(shortest.length + throughEdges.length);
      const relays = await checkPaths({ model, paths: relayPaths(), requireFullCoverage: false });
      const traces = [...report.traces, ...relays.traces];
      const { summary, uncovered, total } = coverage(connectionMachine, traces.flatMap((trace) => [...trace.taken]));
      console.log(summary);
      expect(total).toBeGreaterThan(0);
      expect(uncovered, summary).toEqual([]);
    },
    REPLAY_TIMEOUT,
  );
});

describe('connection machine: the shipped properties hold along every generated path', () => {
  for (const property of connectionProperties()) {
    it(property.name, () => holdsAlongEveryPath(property), REPLAY_TIMEOUT);
  }
});

describe('connection machine: along every generated path', () => {
  const always = () => true;

  it('keeps the attempt count within 0..MAX_ATTEMPT', () => {
    return assertAlong(always, ({ after }) => contextOf(after).attempt >= 0 && contextOf(after).attempt <= MAX_ATTEMPT);
  });

  it('reaches the attempt cap', () => {
    expect(shortest.some((path) => contextOf(path.state).attempt === MAX_ATTEMPT)).toBe(true);
  });

  it('lowers the attempt count only after a stable period', () => {
    return assertAlong(
      ({ before, after }) => contextOf(after).attempt < contextOf(before).attempt,
      ({ event, after }) => event.type === STABLE && contextOf(after).attempt === 0,
    );
  });

  it("imposes a 429's or 418's Retry-After, or the status's fallback, as the least wait", () => {
    return assertAlong(
      ({ event }) => event.type === OPENLINK_ERROR && [429, 418].includes(failureOf(event).status ?? 0),
      ({ event, after }) => {
        const { status, retryAfterMs } = failureOf(event);
        return contextOf(after).penaltyMs === (retryAfterMs ?? (status === 429 ? RATE_LIMITED_PENALTY_MS : BLOCKED_PENALTY_MS));
      },
    );
  });

  it('clears the penalty and the last error on open', () => {
    return assertAlong(
      (step) => entered(step, 'open'),
      ({ after }) => contextOf(after).penaltyMs === 0 && contextOf(after).lastError === undefined,
    );
  });

  it('routes each refusal: 429 and network errors to backoff, 418 to blocked, 401 to authFailed', () => {
    return assertAlong(
      ({ event, after }) => event.type === OPENLINK_ERROR && contextOf(after).desired !== NOTHING,
      ({ event, after }) => {
        const { status } = failureOf(event);
        return after.matches(status === 418 ? 'blocked' : status === 401 ? 'authFailed' : 'backoff');
      },
    );
  });

  it('tells the flush link.up on every open and link.down on every close, and nothing else about the link', () => {
    return assertAlong(always, (step) => {
      const told = sentTo(step, 'flush').filter((event) => event.type.startsWith('link.'));
      const expected = [...(left(step, 'open') ? ['link.down'] : []), ...(entered(step, 'open') ? ['link.up'] : [])];
      return isDeepStrictEqual(
        told.map((event) => event.type),
        expected,
      );
    });
  });

  it('forwards every change to the flush, whatever state the connection is in', () => {
    return assertAlong(always, (step) => {
      const changes = sentTo(step, 'flush').filter((event) => event.type === 'registry.changed');
      return isDeepStrictEqual(changes, step.event.type === 'registry.changed' ? [step.event] : []);
    });
  });

  it('probes the link when the heartbeat interval has passed, and only then', () => {
    return assertAlong(always, (step) =>
      isDeepStrictEqual(sentTo(step, 'link'), entered(step, 'open.heartbeat.probing') ? [{ type: 'link.probe' }] : []),
    );
  });

  it('connects only when something is wanted', () => {
    return assertAlong((step) => entered(step, 'connecting'), ({ after }) => contextOf(after).desired !== NOTHING);
  });

  it('leaves authFailed only on connection.retry or when nothing is wanted any more (no hot loop)', () => {
    return assertAlong(
      (step) => left(step, 'authFailed'),
      ({ event, after }) =>
        (event.type === 'connection.retry' && after.matches('connecting')) ||
        (after.matches('dormant') && contextOf(after).desired === NOTHING),
    );
  });

  it('attempts no connection before the wait a 429 or 418 imposed is over, whatever the demand did meanwhile', () => {
    return assertAlong(
      (step, steps) => entered(step, 'connecting') && steps.slice(0, step.index).some(({ event }) => imposesPenalty(event)),
      (step, steps) => {
        const upToNow = steps.slice(0, step.index);
        const refused = lastIndexWhere(upToNow, ({ event }) => imposesPenalty(event));
        const waited = lastIndexWhere(upToNow, ({ event }) => event.type === BACKED_OFF || event.type === UNBLOCKED);
        return waited > refused;
      },
    );
  });

  it('stays in backoff while a penalty is pending, whatever the demand does', () => {
    return assertAlong(
      ({ event, before }) => before.matches('backoff') && contextOf(before).penaltyMs > 0 && event.type === 'registry.changed',
      ({ after }) => after.matches('backoff'),
    );
  });

  it('leaves backoff before its delay only for dormant, when nothing is wanted and no penalty is pending', () => {
    return assertAlong(
      (step) => left(step, 'backoff') && step.event.type !== BACKED_OFF,
      ({ after }) => after.matches('dormant') && contextOf(after).desired === NOTHING && contextOf(after).penaltyMs === 0,
    );
  });

  it('leaves blocked only when the block has been waited out', () => {
    return assertAlong((step) => left(step, 'blocked'), ({ event }) => event.type === UNBLOCKED);
  });

  it('counts a reconnect for every open after the first', () => {
    return assertAlong(always, ({ after }) => {
      const { opened, reconnects } = contextOf(after).stats;
      return reconnects === Math.max(0, opened - 1);
    });
  });
});

/**
 * The defect the generated paths once found, replayed through a real actor on the path that
 * found it: the penalty is now served.
 */
describe('connection machine: fixed defects, on the paths that found them', () => {
  const refusedWithRetryAfter = [
    changed(1),
    { type: TOKEN_GRANTED },
    { type: OPENLINK_ERROR, error: { status: 429, retryAfterMs: RETRY_AFTER_MS } },
  ];

  it('demand that goes and comes back during a 429 backoff waits out the penalty before reconnecting', async () => {
    const path = pathFromEvents(model, [...refusedWithRetryAfter, changed(NOTHING), changed(1), { type: BACKED_OFF }]);
    const snapshots = snapshotsOf(await replay(model, path));
    expect(snapshots.map((snapshot) => snapshot.value)).toEqual([
      'dormant',
      { connecting: 'awaitingToken' },
      { connecting: 'handshaking' },
      'backoff',
      'backoff',
      'backoff',
      { connecting: 'awaitingToken' },
    ]);
    expect(snapshots.slice(3, 6).map((snapshot) => contextOf(snapshot).penaltyMs)).toEqual([RETRY_AFTER_MS, RETRY_AFTER_MS, RETRY_AFTER_MS]);
  });

  it('demand that goes during a 429 backoff still waits out the penalty, then rests', async () => {
    const path = pathFromEvents(model, [...refusedWithRetryAfter, changed(NOTHING), { type: BACKED_OFF }]);
    const snapshots = snapshotsOf(await replay(model, path));
    expect(snapshots.slice(3).map((snapshot) => snapshot.value)).toEqual(['backoff', 'backoff', 'dormant']);
  });
});

describe('connection machine: a 429 penalty on the real backoff delay', () => {
  /** Promise actors report back on later microtasks; one turn of the event loop lets them all run. */
  const untilSettled = () => new Promise<void>((resolve) => setImmediate(resolve));

  const cases = [
    { refusal: { status: 429, retryAfterMs: RETRY_AFTER_MS }, penalty: RETRY_AFTER_MS },
    { refusal: { status: 429 }, penalty: RATE_LIMITED_PENALTY_MS },
  ] as const;

  for (const { refusal, penalty } of cases) {
    it(`waits ${penalty} ms after ${JSON.stringify(refusal)} even when the demand goes and comes back meanwhile`, async () => {
      const clock = new SimulatedClock();
      /** When each `openLink` started, on the simulated clock. */
      const opens: number[] = [];
      // The flush child stays the real one: with no link ever up it only waits for one.
      const machine = connectionMachine.provide({
        actors: {
          watchLink: fromCallback(() => {}),
          acquireConnectToken: fromPromise<void, LinkInput>(async () => {}),
          openLink: fromPromise<void, LinkInput>(async () => {
            opens.push(clock.now());
            // The first attempt is refused; the next one never settles, the test ends before.
            if (opens.length === 1) throw refusal;
            await new Promise<never>(() => {});
          }),
        },
      });
      const actor = createActor(machine, { clock, input: { kind: 'public' } });
      try {
        actor.start();
        actor.send({ type: 'registry.changed', fingerprint: 1 });
        await untilSettled();
        expect(actor.getSnapshot().value).toBe('backoff');
        actor.send({ type: 'registry.changed', fingerprint: NOTHING });
        actor.send({ type: 'registry.changed', fingerprint: 1 });
        // The first attempt's jittered backoff is at most 500 ms: the penalty is the whole wait.
        clock.increment(penalty - 1);
        await untilSettled();
        expect(actor.getSnapshot().value).toBe('backoff');
        expect(opens).toEqual([0]);
        clock.increment(1);
        await untilSettled();
        expect(opens).toEqual([0, penalty]);
      } finally {
        actor.stop();
      }
    });
  }
});

/** Provisions of one's own, replayed along the generated paths by upstate/testing. */
describe('connection machine: a provision of one’s own, checked by upstate/testing', () => {
  const paths = [...shortest, ...throughEdges];
  // Demand that goes during a handshake and comes back: the generated paths stop where the first
  // handshake is abandoned, this one opens a socket again.
  const OPENED = { type: actorEvents(connectionMachine, 'openLink').done };
  const demandBounced = pathFromEvents(model, [changed(1), { type: TOKEN_GRANTED }, changed(NOTHING), changed(1), { type: TOKEN_GRANTED }, OPENED]);
  /** A handshake that takes `latencyMs` on the replay's clock. */
  const handshake =
    (clock: PathClock, latencyMs: number, { honourAbort = true } = {}) =>
    ({ signal }: PromiseActorArgs<LinkInput>) =>
      clock.sleep(latencyMs, honourAbort ? signal : undefined);

  it(
    'passes an opener that honours the abort signal, with the shipped backoff',
    async () => {
      const report = await checkPaths({
        model,
        paths: [...paths, demandBounced, ...relayPaths()],
        provide: (world) => ({ actors: { openLink: handshake(world.clock, 100) } }),
        properties: connectionProperties(),
      });
      console.log(report.coverage.summary);
      expect(report.coverage.covered).toBe(report.coverage.total);
    },
    REPLAY_TIMEOUT,
  );

  it(
    'catches a backoff that ignores a 429 penalty',
    async () => {
      const message = await checkPaths({
        model,
        paths: throughEdges,
        provide: () => ({ delays: { reconnectBackoff: 500 } }),
        properties: connectionProperties(),
        requireFullCoverage: false,
      }).then(
        () => '',
        (error: Error) => error.message,
      );
      console.log(message);
      expect(message).toContain('property broken: connection: backoff never shorter than a 429/418 penalty');
      expect(message).toContain('"status":429');
    },
    REPLAY_TIMEOUT,
  );

  it(
    'catches an opener that ignores the abort signal: the abandoned handshake leaves a second socket open',
    async () => {
      const message = await checkPaths({
        model,
        paths: [...shortest, demandBounced],
        provide: (world) => ({ actors: { openLink: handshake(world.clock, 100, { honourAbort: false }) } }),
        properties: connectionProperties(),
        requireFullCoverage: false,
        // The shortest paths end before a penalised attempt: only the socket count is at stake here.
        requireEveryPropertyApplied: false,
      }).then(
        () => '',
        (error: Error) => error.message,
      );
      console.log(message);
      expect(message).toContain('property broken: connection: never two sockets');
    },
    REPLAY_TIMEOUT,
  );
});
