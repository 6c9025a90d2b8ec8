import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { flushMachine, type FlushContext, type SendInput, type SendResult } from '../../machines/flush.machine.js';
import { EMPTY_FINGERPRINT as NOTHING, UNKNOWN_FINGERPRINT as UNKNOWN } from '../../src/registry/fingerprint.js';
import {
  actorEvents,
  checkPaths,
  checkTraces,
  coverage,
  edgePaths,
  entered,
  flushProperties,
  flushWorld,
  PathCheckError,
  type FlushWorld,
  type PathClock,
  type PromiseActorArgs,
  pathFromEvents,
  replay,
  shortestPaths,
  simplePaths,
  stepProperty,
  timerEvent,
  type ModelEvent,
  type PathModel,
  type PathStep,
  type Property,
  type Report,
  type Trace,
} from '../../src/testing/index.js';

const GATE_CLOSED = { reason: 'gate closed' };
const REFUSED: ModelEvent = { type: 'request.refused', name: 'INVALID_PARAM' };
const RETRY: ModelEvent = { type: 'flush.retry' };
const SEND_FAILED = { reason: 'socket write failed' };
const SEND_DONE = actorEvents(flushMachine, 'sendDesired').done;
const TOKEN_GRANTED = actorEvents(flushMachine, 'acquireSendToken').done;
const DEBOUNCED = timerEvent(flushMachine, 'debounce');
/** Replaying thousands of paths takes a while on a busy machine. */
const REPLAY_TIMEOUT = 180_000;

const contextOf = (snapshot: AnyMachineSnapshot) => snapshot.context as FlushContext;

/**
 * The flush as its connection drives it, with desired-state fingerprints from `fingerprints`
 * (`NOTHING` is the empty state).
 */
function flushModel(fingerprints: readonly number[], leadingEdge: boolean, refusals = true): PathModel {
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
      // change has arrived since (dirty), in which case it may have been any state but the empty
      // one (`sending` is entered only with something wanted).
      sendDesired: (snapshot) => {
        const { desired, dirty } = contextOf(snapshot);
        const sent = dirty ? fingerprints.filter((f) => f !== NOTHING) : [desired];
        return { done: sent.map((fingerprint) => ({ fingerprint, sent: true })), error: [SEND_FAILED] };
      },
    },
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
/** The same with the leading edge: an idle flush takes a change to the gate without a debounce. */
const leadingModel = flushModel([NOTHING, 1, 2], true);
/**
 * Simple paths multiply fast: empty and one subscription, without refusals (the two models above
 * take every refusal edge), already cover every other transition.
 */
const simpleModel = flushModel([NOTHING, 1], false, false);

const shortest = shortestPaths(shortestModel);
const throughEdges = edgePaths(shortestModel);
const leadingPaths = [...shortestPaths(leadingModel), ...edgePaths(leadingModel)];
const simple = simplePaths(simpleModel);

/** Every generated path replayed once against the machine with the kit's stand-in actors. */
let replayed: Promise<{ readonly shortest: Report; readonly leading: Report; readonly simple: Report }> | undefined;
function replayAll() {
  replayed ??= (async () => ({
    shortest: await checkPaths({ model: shortestModel, paths: [...shortest, ...throughEdges], requireFullCoverage: false }),
    leading: await checkPaths({ model: leadingModel, paths: leadingPaths, requireFullCoverage: false }),
    simple: await checkPaths({ model: simpleModel, paths: simple, requireFullCoverage: false }),
  }))();
  return replayed;
}

type ModelName = 'shortest' | 'leading' | 'simple';
const MODELS: Record<ModelName, PathModel> = { shortest: shortestModel, leading: leadingModel, simple: simpleModel };

/** Checks `property` along the paths of `models` (each must apply somewhere: a property that never applies tests nothing). */
async function holdsAlongEveryPath(property: Property, models: readonly ModelName[] = ['shortest', 'leading', 'simple']): Promise<void> {
  const reports = await replayAll();
  for (const name of models) checkTraces(MODELS[name], reports[name].traces, { properties: [property], requireFullCoverage: false });
}

const changed = (fingerprint: number): ModelEvent => ({ type: 'registry.changed', fingerprint });
const LINK_UP: ModelEvent = { type: 'link.up' };
const LINK_DOWN: ModelEvent = { type: 'link.down' };
const DEBOUNCE_ENDS: ModelEvent = { type: DEBOUNCED };
const TOKEN: ModelEvent = { type: TOKEN_GRANTED };
const sent = (fingerprint: number): ModelEvent => ({ type: SEND_DONE, output: { fingerprint, sent: true } });

/** The snapshots a trace went through, the initial one first. */
const snapshotsOf = (trace: Trace) => [trace.initial, ...trace.steps.map((step) => step.after)];

/** How many times the run entered `sending`, that is started a `sendDesired`. */
function sendsStarted(trace: Trace): number {
  return trace.effects.filter((effect) => effect.kind === 'actor.start' && effect.detail['src'] === 'sendDesired').length;
}

describe('flush machine: generated paths', () => {
  it('has 78 shortest paths and 382 edges over fingerprints {empty, 1, 2} (482 paths in all with the leading edge), and 1287 simple paths over {empty, 1}', () => {
    // A change to the machine shows up here first: recount, then read the new paths. Refusals
    // add `refused` and an unknown server to the first two models.
    expect(shortest).toHaveLength(78);
    expect(throughEdges).toHaveLength(382);
    expect(leadingPaths).toHaveLength(482);
    expect(simple).toHaveLength(1287);
  });

  it(
    'replays every path against the machine and takes every transition of the definition',
    async () => {
      const { shortest: byEdges, leading, simple: bySimple } = await replayAll();
      expect(byEdges.replayed + leading.replayed + bySimple.replayed).toBe(shortest.length + throughEdges.length + leadingPaths.length + simple.length);
      const taken = [...byEdges.traces, ...leading.traces, ...bySimple.traces].flatMap((trace) => [...trace.taken]);
      const { summary, uncovered, total } = coverage(flushMachine, taken);
      console.log(summary);
      expect(total).toBeGreaterThan(0);
      expect(uncovered, summary).toEqual([]);
    },
    REPLAY_TIMEOUT,
  );
});

describe('flush machine: the shipped properties hold along every generated path', () => {
  for (const property of flushProperties()) {
    it(property.name, () => holdsAlongEveryPath(property), REPLAY_TIMEOUT);
  }
});

describe('flush machine: along every generated path', () => {
  const always = (test: (step: PathStep, trace: Trace) => boolean) => (step: PathStep, trace: Trace) => test(step, trace) || 'broken';
  const when =
    (applies: (step: PathStep, trace: Trace) => boolean, holds: (step: PathStep, trace: Trace) => boolean) =>
    (step: PathStep, trace: Trace) =>
      applies(step, trace) ? holds(step, trace) || 'broken' : undefined;
  const check = (name: string, test: (step: PathStep, trace: Trace) => true | string | undefined, models?: readonly ModelName[]) =>
    it(name, () => holdsAlongEveryPath(stepProperty(name, test), models), REPLAY_TIMEOUT);
  // Refusals are in the first two models only; a cool-down follows sends with the leading edge only.
  const WITH_REFUSALS: readonly ModelName[] = ['shortest', 'leading'];

  check(
    'counts a message exactly when a send completes, or the server refuses the one just written',
    always(({ event, before, after }) => {
      const count = contextOf(after).stats.messagesSent - contextOf(before).stats.messagesSent;
      return count === (before.matches('sending') && (event.type === SEND_DONE || event.type === 'request.refused') ? 1 : 0);
    }),
  );

  check(
    'counts every change it is told of, whatever state it is in',
    always(({ index, after }, trace) => {
      const seen = trace.steps.slice(0, index).filter(({ event }) => event.type === 'registry.changed').length;
      return contextOf(after).stats.changes === seen;
    }),
  );

  check(
    'believes the server holds exactly what the socket it writes to holds (nothing without a socket)',
    always(({ index, after }, trace) => {
      // What the current socket holds: nothing right after it opened, then what a send on it delivered.
      let holds: number = NOTHING;
      for (const step of trace.steps.slice(0, index)) {
        if (step.event.type === 'link.up' || step.event.type === 'link.down') holds = NOTHING;
        // A refusal leaves the server's state unknown (on a closed link there is none to refuse).
        if (step.event.type === 'request.refused') holds = UNKNOWN;
        const done = step.effects.find((effect) => effect.kind === 'actor.done' && effect.detail['src'] === 'sendDesired');
        if (done !== undefined) holds = (done.detail['output'] as SendResult).fingerprint;
      }
      return contextOf(after).server === holds;
    }),
  );

  check(
    'after a refusal, sends nothing until the next change, a retry or a new link',
    when(
      ({ before }) => before.matches('refused'),
      ({ event, after }) =>
        ['registry.changed', 'flush.retry', 'link.up'].includes(event.type) ? after.matches('debouncing') || after.matches('idle') : after.matches('refused'),
    ),
    WITH_REFUSALS,
  );

  check(
    'believes nothing about the server once a request is refused, so the next send asks again for everything',
    when(
      ({ event }) => event.type === 'request.refused',
      ({ after }) => contextOf(after).server === UNKNOWN,
    ),
    WITH_REFUSALS,
  );

  check(
    'with the leading edge, takes a change that finds it idle straight to the rate gate',
    when(
      ({ event, before }) =>
        event.type === 'registry.changed' && before.matches('idle') && event['fingerprint'] !== NOTHING && event['fingerprint'] !== contextOf(before).server,
      ({ before, after }) => (contextOf(before).leadingEdge ? after.matches('rateWaiting') : after.matches('debouncing')),
    ),
  );

  check(
    'leaves an idle flush idle, with no token asked, for a change the server holds already or to nothing',
    when(
      ({ event, before }) =>
        event.type === 'registry.changed' && before.matches('idle') && (event['fingerprint'] === NOTHING || event['fingerprint'] === contextOf(before).server),
      ({ event, after }) => after.matches('idle') && contextOf(after).desired === event['fingerprint'],
    ),
  );

  check(
    'with the leading edge, debounces a change that comes within the debounce after a send',
    when(
      ({ event, before }) => event.type === 'registry.changed' && before.matches('cooling'),
      ({ after }) => after.matches('debouncing'),
    ),
    ['leading'],
  );

  check(
    'asks for a rate token only on an open link',
    when(
      (step) => entered(step, 'rateWaiting.acquiring'),
      ({ after }) => contextOf(after).linkUp,
    ),
  );

  check(
    'starts a send only when something is wanted that the server does not hold yet',
    when(
      (step) => entered(step, 'sending'),
      ({ after }) => {
        const { desired, server } = contextOf(after);
        return desired !== NOTHING && desired !== server;
      },
    ),
  );

  check(
    'abandons a send whose socket closed, and waits for the next link to send again',
    when(
      ({ event, before }) => before.matches('sending') && event.type === 'link.down',
      ({ before, after, effects }) =>
        after.matches('rateWaiting.awaitingLink') &&
        contextOf(after).server === NOTHING &&
        contextOf(after).stats.messagesSent === contextOf(before).stats.messagesSent &&
        effects.some((effect) => effect.kind === 'actor.abort' && effect.detail['src'] === 'sendDesired'),
    ),
  );

  check(
    'starts a flush again when the link comes back while something is wanted',
    // At rest on a closed link the change waits for `link.up`: the only way it still reaches the server.
    when(
      ({ event, before }) => event.type === 'link.up' && before.matches('idle') && contextOf(before).desired !== NOTHING,
      ({ after }) => after.matches('debouncing'),
    ),
  );

  check(
    'ends a flush whose changes cancelled out during the debounce without asking for a token',
    when(
      ({ event, before }) => event.type === DEBOUNCED && contextOf(before).desired === contextOf(before).server,
      ({ after, effects }) => after.matches('idle') && !effects.some((effect) => effect.kind === 'actor.start'),
    ),
  );

  // The debounce let the flush through with something to send, so only changes after it (no
  // debounce guard looked at them) can make these two apply.
  check(
    'ends a flush whose changes after the debounce cancelled out, once its token comes, without a send',
    when(
      ({ event, before }) => event.type === TOKEN_GRANTED && contextOf(before).desired === contextOf(before).server,
      ({ before, after }) =>
        after.matches('idle') && contextOf(after).stats.duplicatesPrevented === contextOf(before).stats.duplicatesPrevented + 1,
    ),
  );

  check(
    'ends a flush whose desired state was emptied after the debounce, once its token comes, without a send',
    when(
      ({ event, before }) => event.type === TOKEN_GRANTED && contextOf(before).desired === NOTHING,
      ({ after }) => after.matches('idle'),
    ),
  );

  check(
    'sends once its token comes whenever something is wanted that the server does not hold',
    // The counterpart of the two above: the checks after the token never swallow a needed send.
    when(
      ({ event, before }) => {
        const { desired, server } = contextOf(before);
        return event.type === TOKEN_GRANTED && desired !== server && desired !== NOTHING;
      },
      ({ after }) => after.matches('sending'),
    ),
  );
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
    const trace = await replay(shortestModel, pathFromEvents(shortestModel, [...bounce, TOKEN, sent(1)]));
    expect(snapshotsOf(trace).map((snapshot) => snapshot.value)).toEqual([
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
    expect(sendsStarted(trace)).toBe(2);
    const rest = contextOf(snapshotsOf(trace).at(-1) as AnyMachineSnapshot);
    expect(rest).toMatchObject({ desired: 1, server: 1, linkUp: true });
    expect(rest.stats).toMatchObject({ rateWaits: 2, messagesSent: 1, sendFailures: 0 });
  });

  it('a desired state emptied after the debounce is never sent', async () => {
    // On a fresh socket the server holds nothing either: the flush ends in sync.
    const fresh = await replay(shortestModel, pathFromEvents(shortestModel, [LINK_UP, changed(1), DEBOUNCE_ENDS, changed(NOTHING), TOKEN]));
    expect(sendsStarted(fresh)).toBe(0);
    const freshRest = snapshotsOf(fresh).at(-1) as AnyMachineSnapshot;
    expect(freshRest.value).toBe('idle');
    expect(contextOf(freshRest)).toMatchObject({ desired: NOTHING, server: NOTHING });
    expect(contextOf(freshRest).stats).toMatchObject({ duplicatesPrevented: 1, messagesSent: 0 });

    // With a subscription on the server, nothing can take it back (Upbit has no unsubscribe):
    // the flush leaves it there and the connection lingers, then closes.
    const held = await replay(
      shortestModel,
      pathFromEvents(shortestModel, [LINK_UP, changed(1), DEBOUNCE_ENDS, TOKEN, sent(1), changed(2), DEBOUNCE_ENDS, changed(NOTHING), TOKEN]),
    );
    expect(sendsStarted(held)).toBe(1);
    const heldRest = snapshotsOf(held).at(-1) as AnyMachineSnapshot;
    expect(heldRest.value).toBe('idle');
    expect(contextOf(heldRest)).toMatchObject({ desired: NOTHING, server: 1, linkUp: true });
    expect(contextOf(heldRest).stats).toMatchObject({ duplicatesPrevented: 0, messagesSent: 1, rateWaits: 2 });
  });

  it('changes after the debounce that cancel out spend no send: the flush ends in sync once its token comes', async () => {
    const trace = await replay(
      shortestModel,
      pathFromEvents(shortestModel, [changed(1), LINK_UP, DEBOUNCE_ENDS, TOKEN, changed(2), sent(1), DEBOUNCE_ENDS, changed(1), TOKEN]),
    );
    expect(sendsStarted(trace)).toBe(1);
    const rest = snapshotsOf(trace).at(-1) as AnyMachineSnapshot;
    expect(rest.value).toBe('idle');
    expect(contextOf(rest)).toMatchObject({ desired: 1, server: 1, linkUp: true });
    // The second token was taken, and its message saved.
    expect(contextOf(rest).stats).toMatchObject({ rateWaits: 2, messagesSent: 1, duplicatesPrevented: 1 });
  });

  it('changes that arrive while sending are counted', async () => {
    const trace = await replay(shortestModel, pathFromEvents(shortestModel, [LINK_UP, changed(1), DEBOUNCE_ENDS, TOKEN, changed(NOTHING)]));
    const during = snapshotsOf(trace).at(-1) as AnyMachineSnapshot;
    expect(during.value).toBe('sending');
    expect(contextOf(during)).toMatchObject({ dirty: true, desired: NOTHING });
    expect(contextOf(during).stats).toMatchObject({ changes: 2, changesAbsorbed: 0, flushesStarted: 1 });
  });
});

/**
 * The kit as an embedder uses it: a rate gate and a writer of one's own provided into the flush,
 * the generated paths replayed against them, the shipped properties checked in one call.
 */
describe('flush machine: a provision of one’s own, checked by upstate/testing', () => {
  /** One grant per `intervalMs` on the replay's clock, first come first served. */
  function intervalGate(clock: PathClock, intervalMs: number, { honourAbort = true } = {}) {
    let next = 0;
    return async (signal: AbortSignal): Promise<void> => {
      const wait = Math.max(0, next - clock.now());
      next = Math.max(next, clock.now()) + intervalMs;
      if (wait > 0) await clock.sleep(wait, honourAbort ? signal : undefined);
    };
  }

  /** Writes the desired state after `latencyMs`, unless its send was called off meanwhile. */
  function writer(world: FlushWorld, latencyMs: number, { honourAbort = true } = {}) {
    return async ({ signal }: PromiseActorArgs<SendInput>): Promise<SendResult> => {
      const fingerprint = world.desired();
      await world.clock.sleep(latencyMs, honourAbort ? signal : undefined);
      world.write(fingerprint);
      return { fingerprint, sent: true };
    };
  }

  // The generated paths never ask twice for a token within one gate interval and then give the
  // second wait up (a simple path cannot, and delayed steps are far apart): this one does.
  const twoWaits = pathFromEvents(shortestModel, [changed(1), LINK_UP, DEBOUNCE_ENDS, LINK_DOWN, LINK_UP, LINK_DOWN]);
  const paths = [...shortest, ...throughEdges, twoWaits];

  it(
    'passes a gate and a writer that honour the abort signal, taking every transition',
    async () => {
      const provide = (world: Parameters<NonNullable<Parameters<typeof checkPaths>[0]['provide']>>[0]) => {
        const flush = flushWorld(world);
        const acquire = intervalGate(world.clock, 1_000);
        return { actors: { acquireSendToken: ({ signal }: PromiseActorArgs<unknown>) => acquire(signal), sendDesired: writer(flush, 50) } };
      };
      // The leading edge is an input: each value has its model, and the two take every transition.
      const reports = [
        await checkPaths({ model: shortestModel, paths, provide, properties: flushProperties(), requireFullCoverage: false }),
        await checkPaths({ model: leadingModel, paths: leadingPaths, provide, properties: flushProperties(), requireFullCoverage: false }),
      ];
      const { summary, uncovered } = coverage(flushMachine, reports.flatMap((report) => report.traces.flatMap((trace) => [...trace.taken])));
      console.log(summary);
      expect(uncovered, summary).toEqual([]);
      // A writer sends what was wanted when it started: paths where the stand-in reported another state are not this provision's.
      expect(reports[0]!.replayed).toBeGreaterThan(paths.length / 2);
    },
    REPLAY_TIMEOUT,
  );

  it(
    'catches a gate that ignores the abort signal: it grants a wait the flush gave up, so one flush takes two tokens',
    async () => {
      const checked = checkPaths({
        model: shortestModel,
        paths,
        provide: (world) => {
          const acquire = intervalGate(world.clock, 1_000, { honourAbort: false });
          return { actors: { acquireSendToken: ({ signal }) => acquire(signal), sendDesired: writer(flushWorld(world), 50) } };
        },
        properties: flushProperties(),
        requireFullCoverage: false,
      });
      await expect(checked).rejects.toThrow(PathCheckError);
      const message = await checked.then(
        () => '',
        (error: Error) => error.message,
      );
      console.log(message);
      expect(message).toContain('property broken: flush: never takes a token for a wait it gave up');
      expect(message).toMatch(/✗\s+\d+\. /);
      expect(message).not.toContain('never sends while the link is down');
    },
    REPLAY_TIMEOUT,
  );

  it(
    'catches a writer that ignores the abort signal: it writes to a link that went down',
    async () => {
      const checked = checkPaths({
        model: shortestModel,
        paths,
        provide: (world) => ({ actors: { sendDesired: writer(flushWorld(world), 50, { honourAbort: false }) } }),
        properties: flushProperties(),
        requireFullCoverage: false,
      });
      const message = await checked.then(
        () => '',
        (error: Error) => error.message,
      );
      console.log(message);
      expect(message).toContain('property broken: flush: never sends while the link is down');
      expect(message).toContain('link.down');
    },
    REPLAY_TIMEOUT,
  );
});
