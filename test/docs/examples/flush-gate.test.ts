import { it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { flushMachine, NOTHING, type FlushContext } from 'upstate/machines';
import {
  checkPaths,
  edgePaths,
  flushProperties,
  pathFromEvents,
  shortestPaths,
  timerEvent,
  type PathClock,
  type PathModel,
} from 'upstate/testing';

/**
 * The gate under test: one grant per `intervalMs`, first come first served. It waits on the
 * clock it is given, so the kit can run it on simulated time.
 */
class IntervalGate {
  #next = 0;
  constructor(
    private readonly clock: PathClock,
    private readonly intervalMs: number,
  ) {}

  async acquire(signal: AbortSignal): Promise<void> {
    const wait = Math.max(0, this.#next - this.clock.now());
    this.#next = Math.max(this.#next, this.clock.now()) + this.intervalMs;
    if (wait > 0) await this.clock.sleep(wait, signal);
  }
}

// The model: what the outside world may do to the flush. Fingerprints stand for desired states
// (NOTHING is the empty one); three are enough to tell "changed" from "changed back".
const fingerprints = [NOTHING, 1, 2];
const context = (snapshot: AnyMachineSnapshot) => snapshot.context as FlushContext;

const model: PathModel = {
  machine: flushMachine,
  input: { kind: 'public', empty: NOTHING },
  // The events the connection and the registry send, in a given snapshot.
  events: (snapshot) => [
    ...fingerprints.filter((f) => f !== context(snapshot).desired).map((fingerprint) => ({ type: 'registry.changed', fingerprint })),
    { type: context(snapshot).linkUp ? 'link.down' : 'link.up' },
  ],
  // What each invoked actor may settle with: failures are injected by the kit.
  outcomes: {
    acquireSendToken: () => ({ done: [undefined], error: [{ reason: 'gate out of reach' }] }),
    sendDesired: (snapshot) => {
      const { desired, dirty } = context(snapshot);
      const sent = dirty ? fingerprints.filter((f) => f !== NOTHING) : [desired];
      return { done: sent.map((fingerprint) => ({ fingerprint, sent: true })), error: [{ reason: 'write failed' }] };
    },
  },
  // A vertex of the graph: the state and the context fields that steer the flush.
  serialize: (snapshot) => {
    const { desired, server, linkUp, dirty } = context(snapshot);
    return JSON.stringify([snapshot.value, desired, server, linkUp, snapshot.matches('sending') && dirty]);
  },
};

// A race the generated paths do not reach: two waits for a token within one gate interval, the
// second given up because the link went down again.
const DEBOUNCED = { type: timerEvent(flushMachine, 'debounce') };
const twoWaits = pathFromEvents(model, [
  { type: 'registry.changed', fingerprint: 1 },
  { type: 'link.up' },
  DEBOUNCED,
  { type: 'link.down' },
  { type: 'link.up' },
  { type: 'link.down' },
]);

it('keeps every path of the flush right with our gate', async () => {
  const report = await checkPaths({
    model,
    paths: [...shortestPaths(model), ...edgePaths(model), twoWaits],
    provide: (world) => {
      const gate = new IntervalGate(world.clock, 1_000);
      return { actors: { acquireSendToken: ({ signal }) => gate.acquire(signal) } };
    },
    properties: flushProperties(),
  });
  console.log(report.coverage.summary);
}, 120_000); // a few hundred replays: seconds, not milliseconds
