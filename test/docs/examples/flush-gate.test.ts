import { expect, it } from 'vitest';
import type { AnyMachineSnapshot } from 'xstate';
import { EMPTY_FINGERPRINT as NOTHING, flushMachine, UNKNOWN_FINGERPRINT, type FlushContext } from 'upstate/machines';
import {
  checkPaths,
  coverage,
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

// The flush's `leadingEdge` input steers a guard, so each value gets a model of its own.
const modelOf = (leadingEdge: boolean): PathModel => ({
  machine: flushMachine,
  input: { kind: 'public', leadingEdge },
  // The events the connection and the registry send, in a given snapshot.
  events: (snapshot) => {
    const { desired, server, linkUp } = context(snapshot);
    // Upbit answers a request with an error frame only while one is out on an open link.
    const requestOut = linkUp && (snapshot.matches('sending') || (server !== NOTHING && server !== UNKNOWN_FINGERPRINT));
    return [
      ...fingerprints.filter((f) => f !== desired).map((fingerprint) => ({ type: 'registry.changed', fingerprint })),
      { type: linkUp ? 'link.down' : 'link.up' },
      ...(requestOut ? [{ type: 'request.refused', name: 'INVALID_PARAM' }] : []),
      ...(snapshot.matches('refused') ? [{ type: 'flush.retry' }] : []),
    ];
  },
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
});
const models = [modelOf(true), modelOf(false)];

// A race the generated paths do not reach: two waits for a token within one gate interval, the
// second given up because the link went down again.
const DEBOUNCED = { type: timerEvent(flushMachine, 'debounce') };
const twoWaits = pathFromEvents(models[1]!, [
  { type: 'registry.changed', fingerprint: 1 },
  { type: 'link.up' },
  DEBOUNCED,
  { type: 'link.down' },
  { type: 'link.up' },
  { type: 'link.down' },
]);

it('keeps every path of the flush right with our gate', async () => {
  const reports = [];
  for (const model of models) {
    reports.push(
      await checkPaths({
        model,
        paths: [...shortestPaths(model), ...edgePaths(model), ...(model === models[1] ? [twoWaits] : [])],
        provide: (world) => {
          const gate = new IntervalGate(world.clock, 1_000);
          return { actors: { acquireSendToken: ({ signal }) => gate.acquire(signal) } };
        },
        properties: flushProperties(),
        // Each model takes the transitions of its own leading edge; the two together take them all.
        requireFullCoverage: false,
      }),
    );
  }
  const { summary, uncovered } = coverage(flushMachine, reports.flatMap((report) => report.traces.flatMap((trace) => [...trace.taken])));
  console.log(summary);
  expect(uncovered).toEqual([]);
}, 240_000); // several hundred replays: seconds, not milliseconds
