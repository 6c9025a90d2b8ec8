import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { flushMachine, type FlushContext } from '../../machines/flush.machine.js';
import { EMPTY_FINGERPRINT as NOTHING, UNKNOWN_FINGERPRINT as UNKNOWN } from '../../src/registry/fingerprint.js';
import {
  actorEvents,
  assertAlong,
  expectEveryTransitionTaken,
  replayGroupedByEnd,
  describePath,
  edgePaths,
  entered,
  pathFromEvents,
  replayCache,
  shortestPaths,
  simplePaths,
  stepsOf,
  timerEvent,
  type GraphModel,
  type MachinePath,
  type ModelEvent,
  type PathStep,
} from './harness.js';

const GATE_CLOSED = { reason: 'gate closed' };
const REFUSED: ModelEvent = { type: 'request.refused', name: 'INVALID_PARAM' };
const RETRY: ModelEvent = { type: 'flush.retry' };
const SEND_FAILED = { reason: 'socket write failed' };
const SEND_DONE = actorEvents(flushMachine, 'sendDesired').done;
const TOKEN_GRANTED = actorEvents(flushMachine, 'acquireSendToken').done;
const DEBOUNCED = timerEvent(flushMachine, 'debounce');

const contextOf = (snapshot: AnyMachineSnapshot) => snapshot.context as FlushContext;

/**
 * The flush as its connection drives it, with desired-state fingerprints from `fingerprints`
 * (`NOTHING` is the empty state), with or without the leading edge.
 */
function flushModel(fingerprints: readonly number[], leadingEdge: boolean, refusals = true): GraphModel {
  return {
    machine: flushMachine,
    input: { kind: 'public', leadingEdge },
    events: (snapshot) => {
      const { desired, server, linkUp } = contextOf(snapshot);
      // Upbit answers a request on the link it came by: one is being written, or one was sent and not yet answered.
      const requestOut = refusals && linkUp && (snapshot.matches('sending') || (server !== NOTHING && server !== UNKNOWN));
      return [
        // The registry reports a change only when the desired state moved.
        ...fingerprints.filter((f) => f !== desired).map((fingerprint) => ({ type: 'registry.changed', fingerprint })),
        // The connection tells the flush `link.up` on every open and `link.down` on every close, alternately.
        { type: linkUp ? 'link.down' : 'link.up' },
        ...(requestOut ? [REFUSED] : []),
        ...(snapshot.matches('refused') ? [RETRY] : []),
      ];
    },
    outcomes: {
      acquireSendToken: () => ({ done: [undefined], error: [GATE_CLOSED] }),
      // `sendDesired` sends the desired state as it was when `sending` began: `desired`, unless a
      // change has arrived since (dirty), in which case it may have been any of them.
      sendDesired: (snapshot) => {
        const { desired, dirty } = contextOf(snapshot);
        return { done: (dirty ? fingerprints : [desired]).map((fingerprint) => ({ fingerprint, sent: true })), error: [SEND_FAILED] };
      },
    },
    callbacks: [],
    // `dirty` is cleared on entering `sending` and read only there: outside it, it is noise.
    serialize: (snapshot) => {
      const { desired, server, linkUp, dirty } = contextOf(snapshot);
      return JSON.stringify([snapshot.value, desired, server, linkUp, snapshot.matches('sending') && dirty]);
    },
  };
}

/**
 * Empty and two distinct subscriptions: enough to tell "changed" from "changed back", and the
 * only way to reach a granted token with nothing wanted while the server holds something
 * (desired ≠ server at the debounce, then emptied). Its simple paths run into the tens of
 * millions, so this model is walked by shortest paths and through every edge.
 */
const shortestModel = flushModel([NOTHING, 1, 2], false);
/** The same with the leading edge: an idle flush on an open link sends a change without a debounce. */
const leadingModel = flushModel([NOTHING, 1, 2], true);
/**
 * Simple paths multiply fast: empty and one subscription, without refusals (the two models above
 * take every refusal edge), already cover every other transition.
 */
const simpleModel = flushModel([NOTHING, 1], false, false);

const shortest = shortestPaths(shortestModel);
const throughEdges = edgePaths(shortestModel);
const leadingShortest = shortestPaths(leadingModel);
const leadingEdges = edgePaths(leadingModel);
const simple = simplePaths(simpleModel);
const replayShortest = replayCache(shortestModel);
const replayLeading = replayCache(leadingModel);
const replaySimple = replayCache(simpleModel);

const generated: ReadonlyArray<readonly [GraphModel, MachinePath]> = [
  ...shortest.map((path) => [shortestModel, path] as const),
  ...throughEdges.map((path) => [shortestModel, path] as const),
  ...leadingShortest.map((path) => [leadingModel, path] as const),
  ...leadingEdges.map((path) => [leadingModel, path] as const),
  ...simple.map((path) => [simpleModel, path] as const),
];

const changed = (fingerprint: number): ModelEvent => ({ type: 'registry.changed', fingerprint });

const LINK_UP: ModelEvent = { type: 'link.up' };
const LINK_DOWN: ModelEvent = { type: 'link.down' };
const DEBOUNCE_ENDS: ModelEvent = { type: DEBOUNCED };
const TOKEN: ModelEvent = { type: TOKEN_GRANTED };
const sent = (fingerprint: number): ModelEvent => ({ type: SEND_DONE, output: { fingerprint, sent: true } });

/**
 * What the socket the flush currently writes to really holds after `step`: `undefined` while the
 * link is down, `NOTHING` right after it opened, then what a send *started on this socket*
 * delivered. The flush's own `server` is its belief about the same thing.
 */
function socketHolds(steps: readonly PathStep[], upTo: number): number | undefined {
  let holds: number | undefined;
  let sendStartedOn = -1;
  let socket = 0;
  for (const step of steps.slice(0, upTo)) {
    if (step.event.type === 'link.up') {
      socket += 1;
      holds = NOTHING;
    } else if (step.event.type === 'link.down') {
      holds = undefined;
    } else if (step.event.type === 'request.refused') {
      holds = UNKNOWN;
    }
    if (entered(step, 'sending')) sendStartedOn = socket;
    if (step.event.type === SEND_DONE && holds !== undefined && sendStartedOn === socket) {
      holds = (step.event['output'] as { fingerprint: number }).fingerprint;
    }
  }
  return holds;
}

/** How many times the run entered `sending`, that is started a `sendDesired`. */
function sendsStarted(snapshots: readonly AnyMachineSnapshot[]): number {
  return snapshots.filter((snapshot, i) => snapshot.matches('sending') && !snapshots[i - 1]?.matches('sending')).length;
}

describe('flush machine: generated paths', () => {
  it('has 78 shortest paths and 394 edges over fingerprints {empty, 1, 2} (82 and 412 with the leading edge), and 1682 simple paths over {empty, 1}', () => {
    // A change to the machine shows up here first: recount, then read the new paths.
    // A failing gate adds `gateFailed` (12 states), and its retry doubles the simple paths;
    // refusals add `refused` and an unknown server to the first two models.
    expect(shortest).toHaveLength(78);
    expect(throughEdges).toHaveLength(394);
    expect(leadingShortest).toHaveLength(82);
    expect(leadingEdges).toHaveLength(412);
    expect(simple).toHaveLength(1682);
  });

  describe('replays the shortest path to every reachable state', () => {
    for (const path of shortest) {
      it(describePath(path), async () => {
        await replayShortest(path);
      });
    }
  });

  replayGroupedByEnd('replays a path through every edge', throughEdges, (path) => JSON.stringify(path.state.value), replayShortest);
  replayGroupedByEnd(
    'replays a path through every edge, with the leading edge',
    [...leadingShortest, ...leadingEdges],
    (path) => JSON.stringify(path.state.value),
    replayLeading,
  );
  replayGroupedByEnd(
    'replays every simple path',
    simple,
    (path) => simpleModel.serialize(path.state, undefined, undefined),
    replaySimple,
  );

  it('takes every transition of the definition', async () => {
    const traces = [];
    for (const path of shortest) traces.push(await replayShortest(path));
    for (const path of throughEdges) traces.push(await replayShortest(path));
    for (const path of leadingShortest) traces.push(await replayLeading(path));
    for (const path of leadingEdges) traces.push(await replayLeading(path));
    for (const path of simple) traces.push(await replaySimple(path));
    expectEveryTransitionTaken(flushMachine, traces);
  });
});

describe('flush machine: along every generated path', () => {
  const always = () => true;

  it('counts a message exactly when a send completes, or the server refuses the one just written', () => {
    assertAlong(generated, always, ({ event, before, after }) => {
      const sent = contextOf(after).stats.messagesSent - contextOf(before).stats.messagesSent;
      return sent === (before.matches('sending') && (event.type === SEND_DONE || event.type === 'request.refused') ? 1 : 0);
    });
  });

  it('counts every change it is told of, whatever state it is in', () => {
    assertAlong(generated, always, ({ index, after }, steps) => {
      const seen = steps.slice(0, index).filter(({ event }) => event.type === 'registry.changed').length;
      return contextOf(after).stats.changes === seen;
    });
  });

  it('starts a send only on an open link', () => {
    assertAlong(generated, (step) => entered(step, 'sending'), ({ after }) => contextOf(after).linkUp);
  });

  it('starts a send only when something is wanted that the server does not hold yet', () => {
    // Upbit refuses an empty request, and resending what the server holds wastes a message.
    assertAlong(
      generated,
      (step) => entered(step, 'sending'),
      ({ after }) => {
        const { desired, server } = contextOf(after);
        return desired !== NOTHING && desired !== server;
      },
    );
  });

  it('asks for a rate token only on an open link', () => {
    assertAlong(generated, (step) => entered(step, 'rateWaiting.acquiring'), ({ after }) => contextOf(after).linkUp);
  });

  it('believes the server holds exactly what the socket it writes to holds (nothing without a socket)', () => {
    assertAlong(generated, always, (step, steps) => contextOf(step.after).server === (socketHolds(steps, step.index) ?? NOTHING));
  });

  it('comes to rest on an open link only when the server has what is wanted, or nothing is wanted', () => {
    assertAlong(
      generated,
      ({ after }) => (after.matches('idle') || after.matches('cooling')) && contextOf(after).linkUp && contextOf(after).desired !== NOTHING,
      ({ after }) => contextOf(after).desired === contextOf(after).server,
    );
  });

  it('comes to rest on an open link with something wanted only once a send on that very socket delivered it', () => {
    assertAlong(
      generated,
      ({ after }) => (after.matches('idle') || after.matches('cooling')) && contextOf(after).linkUp && contextOf(after).desired !== NOTHING,
      ({ index, after }, steps) => socketHolds(steps, index) === contextOf(after).desired,
    );
  });

  it('abandons a send whose socket closed, and waits for the next link to send again', () => {
    assertAlong(
      generated,
      ({ event, before }) => before.matches('sending') && event.type === 'link.down',
      ({ before, after }) =>
        after.matches('rateWaiting.awaitingLink') &&
        contextOf(after).server === NOTHING &&
        contextOf(after).stats.messagesSent === contextOf(before).stats.messagesSent,
    );
  });

  it('starts a flush again when the link comes back while something is wanted', () => {
    // At rest on a closed link the change waits for `link.up`: the only way it still reaches the server.
    assertAlong(
      generated,
      ({ event, before }) => event.type === 'link.up' && before.matches('idle') && contextOf(before).desired !== NOTHING,
      ({ after }) => after.matches('debouncing'),
    );
  });

  it('after a refusal, sends nothing until the next change, a retry or a new link', () => {
    // Resending what Upbit refused would be refused again, at the rate limit, forever.
    assertAlong(
      generated,
      ({ before }) => before.matches('refused'),
      ({ event, after }) =>
        ['registry.changed', 'flush.retry', 'link.up'].includes(event.type) ? after.matches('debouncing') || after.matches('idle') : after.matches('refused'),
    );
  });

  it('believes nothing about the server once a request is refused, so the next send asks again for everything', () => {
    assertAlong(generated, ({ event }) => event.type === 'request.refused', ({ after }) => contextOf(after).server === UNKNOWN);
  });

  it('with the leading edge, takes a change that finds it idle straight to the rate gate', () => {
    assertAlong(
      generated,
      ({ event, before }) => event.type === 'registry.changed' && before.matches('idle'),
      ({ before, after }) => (contextOf(before).leadingEdge ? after.matches('rateWaiting') : after.matches('debouncing')),
    );
  });

  it('with the leading edge, debounces a change that comes within the debounce after a send', () => {
    // A burst costs one message per debounce window, not one per change.
    assertAlong(
      generated,
      ({ event, before }) => event.type === 'registry.changed' && before.matches('cooling'),
      ({ after }) => after.matches('debouncing'),
    );
  });

  it('ends a flush whose changes cancelled out during the debounce without asking for a token', () => {
    assertAlong(
      generated,
      ({ event, before }) => event.type === DEBOUNCED && contextOf(before).desired === contextOf(before).server,
      ({ after }) => after.matches('idle'),
    );
  });

  // The debounce let the flush through with something to send, so only changes after it (no
  // debounce guard looked at them) can make these two apply.
  it('ends a flush whose changes after the debounce cancelled out, once its token comes, without a send', () => {
    assertAlong(
      generated,
      ({ event, before }) => event.type === TOKEN_GRANTED && contextOf(before).desired === contextOf(before).server,
      ({ before, after }) =>
        after.matches('idle') && contextOf(after).stats.duplicatesPrevented === contextOf(before).stats.duplicatesPrevented + 1,
    );
  });

  it('ends a flush whose desired state was emptied after the debounce, once its token comes, without a send', () => {
    assertAlong(
      generated,
      ({ event, before }) => event.type === TOKEN_GRANTED && contextOf(before).desired === NOTHING,
      ({ after }) => after.matches('idle'),
    );
  });

  it('sends once its token comes whenever something is wanted that the server does not hold', () => {
    // The counterpart of the two above: the checks after the token never swallow a needed send.
    assertAlong(
      generated,
      ({ event, before }) => {
        const { desired, server } = contextOf(before);
        return event.type === TOKEN_GRANTED && desired !== server && desired !== NOTHING;
      },
      ({ after }) => after.matches('sending'),
    );
  });
});

/**
 * Defects the generated paths once found, replayed through a real actor on the paths that found
 * them: each now ends the way the properties above demand.
 */
describe('flush machine: fixed defects, on the paths that found them', () => {
  it('a send whose socket bounced is abandoned and sent again on the new socket', async () => {
    const bounce = [changed(1), LINK_UP, DEBOUNCE_ENDS, TOKEN, LINK_DOWN, LINK_UP];
    // The send started on the old socket can no longer complete into the flush …
    expect(() => pathFromEvents(shortestModel, [...bounce, sent(1)])).toThrow();
    // … which waits for the new link, takes a new token and sends there.
    const path = pathFromEvents(shortestModel, [...bounce, TOKEN, sent(1)]);
    const { snapshots } = await replayShortest(path);
    expect(snapshots.map((snapshot) => snapshot.value)).toEqual([
      'idle',
      'debouncing',
      'debouncing',
      { rateWaiting: 'acquiring' },
      'sending',
      { rateWaiting: 'awaitingLink' },
      { rateWaiting: 'acquiring' },
      'sending',
      'idle',
    ]);
    expect(sendsStarted(snapshots)).toBe(2);
    const rest = contextOf(snapshots.at(-1) as AnyMachineSnapshot);
    expect(rest).toMatchObject({ desired: 1, server: 1, linkUp: true });
    expect(rest.stats).toMatchObject({ rateWaits: 2, messagesSent: 1, sendFailures: 0 });
    const steps = stepsOf(shortestModel, path);
    expect(socketHolds(steps, steps.length)).toBe(1);
  });

  it('a desired state emptied after the debounce is never sent', async () => {
    // On a fresh socket the server holds nothing either: the flush ends in sync.
    const fresh = pathFromEvents(shortestModel, [LINK_UP, changed(1), DEBOUNCE_ENDS, changed(NOTHING), TOKEN]);
    const freshRun = await replayShortest(fresh);
    expect(sendsStarted(freshRun.snapshots)).toBe(0);
    const freshRest = freshRun.snapshots.at(-1) as AnyMachineSnapshot;
    expect(freshRest.value).toBe('idle');
    expect(contextOf(freshRest)).toMatchObject({ desired: NOTHING, server: NOTHING });
    expect(contextOf(freshRest).stats).toMatchObject({ duplicatesPrevented: 1, messagesSent: 0 });

    // With a subscription on the server, nothing can take it back (Upbit has no unsubscribe):
    // the flush leaves it there and the connection lingers, then closes.
    const held = pathFromEvents(shortestModel, [
      LINK_UP,
      changed(1),
      DEBOUNCE_ENDS,
      TOKEN,
      sent(1),
      changed(2),
      DEBOUNCE_ENDS,
      changed(NOTHING),
      TOKEN,
    ]);
    const heldRun = await replayShortest(held);
    expect(sendsStarted(heldRun.snapshots)).toBe(1);
    const heldRest = heldRun.snapshots.at(-1) as AnyMachineSnapshot;
    expect(heldRest.value).toBe('idle');
    expect(contextOf(heldRest)).toMatchObject({ desired: NOTHING, server: 1, linkUp: true });
    expect(contextOf(heldRest).stats).toMatchObject({ duplicatesPrevented: 0, messagesSent: 1, rateWaits: 2 });
  });

  it('changes after the debounce that cancel out spend no send: the flush ends in sync once its token comes', async () => {
    const path = pathFromEvents(shortestModel, [
      changed(1),
      LINK_UP,
      DEBOUNCE_ENDS,
      TOKEN,
      changed(2),
      sent(1),
      DEBOUNCE_ENDS,
      changed(1),
      TOKEN,
    ]);
    const { snapshots } = await replayShortest(path);
    expect(sendsStarted(snapshots)).toBe(1);
    const rest = snapshots.at(-1) as AnyMachineSnapshot;
    expect(rest.value).toBe('idle');
    expect(contextOf(rest)).toMatchObject({ desired: 1, server: 1, linkUp: true });
    // The second token was taken, and its message saved.
    expect(contextOf(rest).stats).toMatchObject({ rateWaits: 2, messagesSent: 1, duplicatesPrevented: 1 });
  });

  it('changes that arrive while sending are counted', async () => {
    const path = pathFromEvents(shortestModel, [LINK_UP, changed(1), DEBOUNCE_ENDS, TOKEN, changed(NOTHING)]);
    const { snapshots } = await replayShortest(path);
    const during = snapshots.at(-1) as AnyMachineSnapshot;
    expect(during.value).toBe('sending');
    expect(contextOf(during)).toMatchObject({ dirty: true, desired: NOTHING });
    expect(contextOf(during).stats).toMatchObject({ changes: 2, changesAbsorbed: 0, flushesStarted: 1 });
  });
});
