/**
 * Issue scenario 6: 500 seeded random subscription changes, spread over fake minutes, against an
 * exchange enforcing Upbit's default limits. The orchestrator must never breach them, and the
 * exchange must end with exactly the desired state.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Subscription } from '../../src/orchestrator.js';
import type { Spec } from '../../src/registry/spec.js';
import type { RequestRecord } from '../../src/sim/index.js';
import { fieldsOf, onlyConnection, realtimeStreams, subscribeRequests } from '../support/exchange-requests.js';
import { advanceStepwise } from '../support/fake-clock.js';
import { settlesOnFakeTime, startOnFakeTime, untilWireQuiet } from '../support/quiet-wire.js';
import { busiestWindow, expectWithinLimits } from '../support/upbit-limits.js';
import { waitFor } from '../support/wait.js';

const SEED = 0x5eed_2024;
const CHANGES = 500;
const CODES = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE', 'KRW-ADA', 'KRW-TRX', 'KRW-LINK'] as const;
const COMPONENTS = ['chart', 'book', 'tape', 'alerts', 'portfolio'] as const;

type PublicSpec = Spec<'ticker' | 'trade' | 'orderbook' | 'candle.1m' | 'candle.5m'>;

type Change =
  | { readonly op: 'subscribe'; readonly spec: PublicSpec }
  | { readonly op: 'unsubscribe'; readonly pick: number }
  | { readonly op: 'register'; readonly component: string; readonly specs: readonly PublicSpec[] }
  | { readonly op: 'unregister'; readonly component: string };

/** A change and the fake milliseconds that pass before it. */
interface Step {
  readonly gapMs: number;
  readonly change: Change;
}

const codes = fc.subarray([...CODES], { minLength: 1, maxLength: 3 });
const snapshot = fc.constantFrom('include' as const, 'include' as const, 'exclude' as const, 'only' as const);
const spec: fc.Arbitrary<PublicSpec> = fc.oneof(
  fc.record({ type: fc.constantFrom('ticker' as const, 'trade' as const, 'candle.1m' as const, 'candle.5m' as const), codes, snapshot }),
  fc.record({ type: fc.constant('orderbook' as const), codes, snapshot, depth: fc.constantFrom(5 as const, 15 as const, 30 as const) }),
);
const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ op: fc.constant('subscribe' as const), spec }) },
  { weight: 7, arbitrary: fc.record({ op: fc.constant('unsubscribe' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('register' as const),
      component: fc.constantFrom(...COMPONENTS),
      specs: fc.array(spec, { maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unregister' as const), component: fc.constantFrom(...COMPONENTS) }) },
);
// Bursts in one tick, changes a debounce apart, and pauses long enough for the gate to refill.
const gapMs = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: 1, max: 150 }) }, { weight: 2, arbitrary: fc.integer({ min: 150, max: 900 }) });
const steps: fc.Arbitrary<Step[]> = fc.array(fc.record({ gapMs, change }), { minLength: CHANGES, maxLength: CHANGES });

/** The streams the exchange should deliver in realtime, computed from the live specs alone. */
function expectedRealtime(specs: Iterable<PublicSpec>): string[] {
  const live = [...specs];
  const streams = new Set<string>();
  for (const s of live) {
    if (s.snapshot === 'only') continue;
    for (const code of s.codes ?? []) {
      if (s.type !== 'orderbook') {
        streams.add(`${s.type} ${code}`);
        continue;
      }
      // One orderbook stream per code, at the largest depth any subscriber of that code asked for.
      const depth = Math.max(
        ...live.filter((o) => o.type === 'orderbook' && o.codes?.includes(code)).map((o) => o.depth ?? 30),
      );
      streams.add(`orderbook ${code}.${depth}@0`);
    }
  }
  return [...streams].sort();
}

describe('500 random changes against default limits', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it(`never breaches the exchange's limits and ends with exactly the desired state (seed ${SEED})`, async () => {
    const [plan] = fc.sample(steps, { seed: SEED, numRuns: 1 });
    // Upbit's defaults for everything the test is about; no heartbeat traffic to interleave.
    const { exchange, upbit } = await startOnFakeTime();

    const sent = (): number => upbit.stats().messagesSent;
    const refused = (): RequestRecord[] => exchange.requests.filter((record) => !record.result.ok);
    // No send in flight, and the exchange has every message that was sent; a refusal ends the run.
    const quiet = async (): Promise<void> => {
      await untilWireQuiet(upbit, exchange, { orRefused: true });
      expect(refused()).toEqual([]);
    };

    const noop = (): void => {};
    // One subscription stays for the whole run, so the connection never lingers out.
    upbit.subscribe({ type: 'ticker', codes: ['KRW-BTC'] }, noop);
    const anchor: PublicSpec = { type: 'ticker', codes: ['KRW-BTC'] };
    await waitFor(upbit, 'open');
    // The leading edge sends it at once: let it arrive before fake time runs on.
    await upbit.settled();

    const subscriptions: { sub: Subscription; spec: PublicSpec }[] = [];
    const components = new Map<string, readonly PublicSpec[]>();
    for (const { gapMs: gap, change: c } of plan!) {
      await advanceStepwise(gap, quiet);
      if (c.op === 'subscribe') {
        subscriptions.push({ sub: upbit.subscribe(c.spec, noop), spec: c.spec });
      } else if (c.op === 'unsubscribe') {
        if (subscriptions.length === 0) continue;
        const [gone] = subscriptions.splice(c.pick % subscriptions.length, 1);
        gone!.sub.unsubscribe();
      } else if (c.op === 'register') {
        upbit.register(c.component, c.specs, noop);
        components.set(c.component, c.specs);
      } else {
        upbit.unregister(c.component);
        components.delete(c.component);
      }
    }

    expect(await settlesOnFakeTime(upbit, quiet, 180)).toBe(true);
    await quiet();

    const desired = expectedRealtime([anchor, ...subscriptions.map(({ spec: s }) => s), ...[...components.values()].flat()]);
    const connection = onlyConnection(exchange);
    expect(realtimeStreams(connection.subscription)).toEqual(desired);
    expect(realtimeStreams(fieldsOf(subscribeRequests(exchange).at(-1)!))).toEqual(desired);

    // Within every limit, on both sides of the wire.
    expectWithinLimits(exchange);
    const requests = subscribeRequests(exchange);
    expect(requests.length).toBe(sent());
    const times = requests.map(({ at }) => at);
    expect(busiestWindow(times, 1_000)).toBeLessThanOrEqual(5);
    expect(busiestWindow(times, 60_000)).toBeLessThanOrEqual(100);
    // The run pressed against the per-minute limit, so the gate was actually tested.
    expect(busiestWindow(times, 60_000)).toBe(100);
    const stats = upbit.stats();
    expect(stats.connectionsOpened).toBe(1);
    expect(stats.changes).toBeGreaterThan(stats.messagesSent);
  });
});
