import { describe, expect, it } from 'vitest';
import { fromCallback, setup } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import { flushMachine, type FlushContext } from '../../machines/flush.machine.js';
import { EMPTY_FINGERPRINT as NOTHING } from '../../src/registry/fingerprint.js';
import {
  actorEvents,
  checkPaths,
  PathCheckError,
  PathFailure,
  pathFromEvents,
  replay,
  shortestPaths,
  stepProperty,
  TestingError,
  timerEvent,
  type PathModel,
} from '../../src/testing/index.js';

const contextOf = (snapshot: AnyMachineSnapshot) => snapshot.context as FlushContext;

/** The flush with one subscription: small enough to replay in a moment. */
const model: PathModel = {
  machine: flushMachine,
  input: { kind: 'public', leadingEdge: false },
  events: (snapshot) => [
    ...[NOTHING, 1].filter((f) => f !== contextOf(snapshot).desired).map((fingerprint) => ({ type: 'registry.changed', fingerprint })),
    { type: contextOf(snapshot).linkUp ? 'link.down' : 'link.up' },
  ],
  outcomes: {
    acquireSendToken: () => ({ done: [undefined], error: [{ reason: 'gate closed' }] }),
    sendDesired: (snapshot) => ({ done: [{ fingerprint: contextOf(snapshot).desired, sent: true }], error: [{ reason: 'write failed' }] }),
  },
  serialize: (snapshot) => {
    const { desired, server, linkUp, dirty } = contextOf(snapshot);
    return JSON.stringify([snapshot.value, desired, server, linkUp, snapshot.matches('sending') && dirty]);
  },
};

const CHANGED = { type: 'registry.changed', fingerprint: 1 };
const LINK_UP = { type: 'link.up' };
const DEBOUNCED = { type: timerEvent(flushMachine, 'debounce') };
const TOKEN = { type: actorEvents(flushMachine, 'acquireSendToken').done };
const SENT = { type: actorEvents(flushMachine, 'sendDesired').done, output: { fingerprint: 1, sent: true } };

describe('upstate/testing: which transitions a replay took', () => {
  it('names each transition a step took, eventless ones included, from public snapshots and the definition', async () => {
    const trace = await replay(model, pathFromEvents(model, [CHANGED, LINK_UP, DEBOUNCED, TOKEN, SENT]));
    expect(trace.steps.map((step) => step.taken)).toEqual([
      // Neither held by the server nor empty, and the leading edge is off in this model: the fourth branch.
      ['flush.idle:registry.changed:3'],
      ['flush:link.up:0'],
      // Guards tried in order: not in sync, something wanted → rateWaiting, whose checkingLink goes on at once.
      [`flush.debouncing:${DEBOUNCED.type}:2`, 'flush.rateWaiting.checkingLink:always:0'],
      [`flush.rateWaiting.acquiring:${TOKEN.type}:2`],
      [`flush.sending:${SENT.type}:2`],
    ]);
  });
});

describe('upstate/testing: what it refuses and reports', () => {
  it('fails a run that leaves transitions untaken, listing them', async () => {
    const error = await checkPaths({ model, paths: [pathFromEvents(model, [CHANGED])] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PathCheckError);
    expect((error as Error).message).toContain('flush: transitions covered: 1/40; never taken:');
    expect((error as Error).message).toContain('flush.sending --xstate.done.actor.0.flush.sending [isDirty]--> flush.debouncing');
  });

  it('fails a property that applied on no path: it would pass without testing anything', async () => {
    const never = stepProperty('never applies', () => undefined);
    const error = await checkPaths({ model, paths: [pathFromEvents(model, [CHANGED])], properties: [never], requireFullCoverage: false }).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toContain('property never applies applied on none of the 1 paths');
  });

  it('reports a provided actor that does not succeed where the path needs it to, with the path', async () => {
    const path = pathFromEvents(model, [CHANGED, LINK_UP, DEBOUNCED, TOKEN]);
    const stuck = replay(model, path, { provide: () => ({ actors: { acquireSendToken: () => new Promise<never>(() => {}) } }), patienceMs: 5_000 });
    await expect(stuck).rejects.toThrow(PathFailure);
    await expect(stuck).rejects.toThrow(/acquireSendToken did not succeed within 5000 ms[\s\S]*✗  4\. done 0\.flush\.rateWaiting\.acquiring/);
  });

  it('reports a provided actor that fails where the path needs it to succeed', async () => {
    const path = pathFromEvents(model, [CHANGED, LINK_UP, DEBOUNCED, TOKEN]);
    const refusing = replay(model, path, { provide: () => ({ actors: { acquireSendToken: async () => Promise.reject(new Error('store down')) } }) });
    await expect(refusing).rejects.toThrow(/acquireSendToken failed \(store down\)/);
  });

  it('reports a provided actor that succeeds with an output the model does not offer', async () => {
    const path = pathFromEvents(model, [CHANGED, LINK_UP, DEBOUNCED, TOKEN, SENT]);
    const odd = replay(model, path, { provide: () => ({ actors: { sendDesired: async () => ({ fingerprint: 7, sent: true }) } }) });
    await expect(odd).rejects.toThrow(/sendDesired succeeded with \{"fingerprint":7,"sent":true\}, which the model does not offer here/);
  });

  it('refuses a promise actor given as logic, and an actor the machine does not invoke, before running anything', async () => {
    const path = pathFromEvents(model, [CHANGED]);
    await expect(replay(model, path, { provide: () => ({ actors: { sendDesired: fromCallback(() => {}) } }) })).rejects.toThrow(TestingError);
    await expect(replay(model, path, { provide: () => ({ actors: { openLink: async () => {} } }) })).rejects.toThrow(/does not invoke/);
  });

  it('refuses outcomes for a source the machine does not invoke, and events the model does not offer', () => {
    expect(() => shortestPaths({ ...model, outcomes: { ...model.outcomes, openLink: () => ({}) } })).toThrow(TestingError);
    expect(() => pathFromEvents(model, [CHANGED, TOKEN])).toThrow(/offers no path/);
  });
});

describe('upstate/testing: transitions taken at the start', () => {
  it('counts the eventless transitions a machine takes as it starts', async () => {
    const machine = setup({
      types: { context: {} as { eager: boolean }, input: {} as { eager: boolean } },
      guards: { isEager: ({ context }) => context.eager },
    }).createMachine({
      id: 'starter',
      context: ({ input }) => ({ eager: input.eager }),
      initial: 'waiting',
      states: {
        waiting: { always: { guard: 'isEager', target: 'going' }, on: { go: 'going' } },
        going: { always: 'gone' },
        gone: {},
      },
    });
    const eager: PathModel = { machine, input: { eager: true }, events: () => [], outcomes: {}, serialize: (snapshot) => JSON.stringify(snapshot.value) };
    const report = await checkPaths({ model: eager, requireFullCoverage: false });
    expect(report.coverage.summary).toBe('starter: transitions covered: 2/3');
    expect(report.coverage.uncovered).toEqual(['starter.waiting:go:0  starter.waiting --go--> starter.going']);
  });
});
