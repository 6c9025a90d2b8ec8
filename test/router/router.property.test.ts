import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderbookMessage, UpbitMessage } from '../../src/protocol/upbit/types.js';
import type { NormalizedSpec } from '../../src/registry/index.js';
import { Router } from '../../src/router/index.js';
import { CODES, LEVELS, OWNERS, PUBLIC_TYPES, specArbitrary } from '../registry/arbitraries.js';
import { candle, myAsset, myOrder, orderbook, ticker, trade } from './messages.js';

const frameArbitrary: fc.Arbitrary<UpbitMessage> = fc
  .record({
    type: fc.constantFrom(...PUBLIC_TYPES, 'myOrder' as const, 'myAsset' as const),
    code: fc.constantFrom(...CODES, 'KRW-DOGE'),
    level: fc.constantFrom(...LEVELS),
    units: fc.integer({ min: 1, max: 30 }),
    stream: fc.constantFrom('SNAPSHOT' as const, 'REALTIME' as const),
  })
  .map(({ type, code, level, units, stream }): UpbitMessage => {
    switch (type) {
      case 'ticker':
        return ticker(code, stream);
      case 'trade':
        return trade(code, stream);
      case 'orderbook':
        return orderbook(code, { level, units, stream_type: stream });
      case 'myOrder':
        return myOrder(code);
      case 'myAsset':
        return myAsset();
      default:
        return candle(type, code, stream);
    }
  });

type Step =
  | { readonly op: 'add'; readonly owner: string; readonly specs: readonly NormalizedSpec[] }
  | { readonly op: 'remove'; readonly owner: string }
  /** Routes the frame `repeat` times: repeats are what snapshot-only subscribers must not see. */
  | { readonly op: 'route'; readonly frame: UpbitMessage; readonly repeat: number };

const owner = fc.constantFrom(...OWNERS);
const stepsArbitrary: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), owner, specs: fc.array(specArbitrary, { maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), owner }) },
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constant('route' as const), frame: frameArbitrary, repeat: fc.integer({ min: 1, max: 3 }) }),
    },
  ),
  { maxLength: 40 },
);

/**
 * Who should get `frame`, and with how many orderbook levels, computed from the specs alone.
 * `include` takes every frame, `exclude` only REALTIME ones, and `only` exactly one: the first
 * frame of its (type, code, level), whatever its stream type (`served` remembers who had theirs).
 */
function naiveDeliveries(
  live: ReadonlyMap<string, readonly NormalizedSpec[]>,
  served: Set<string>,
  frame: UpbitMessage,
): Map<string, number | undefined> {
  const level = frame.type === 'orderbook' ? frame.level : 0;
  const expected = new Map<string, number | undefined>();
  for (const [ownerId, specs] of live) {
    const matching = specs.filter(
      (spec) =>
        spec.type === frame.type &&
        (spec.codes.length === 0 || spec.codes.includes(frame.code)) &&
        (spec.type !== 'orderbook' || spec.level === level),
    );
    if (matching.length === 0) continue;
    const snapshot = matching.some((spec) => spec.snapshot !== 'exclude');
    const realtime = matching.some((spec) => spec.snapshot !== 'only');
    const servedKey = `${ownerId} ${frame.type} ${frame.code} ${level}`;
    const waiting = !realtime && !served.has(servedKey);
    const admits = waiting || (realtime && (frame.stream_type === 'REALTIME' || snapshot));
    if (!admits) continue;
    if (waiting) served.add(servedKey);
    const depth = Math.max(...matching.map((spec) => spec.depth));
    expected.set(
      ownerId,
      frame.type === 'orderbook' ? Math.min(depth, frame.orderbook_units.length) : undefined,
    );
  }
  return expected;
}

describe('Router (properties)', () => {
  it('delivers every frame to exactly the subscribers that match it, at their depth', () => {
    fc.assert(
      fc.property(stepsArbitrary, (steps) => {
        const router = new Router({ cacheTypes: [] });
        const live = new Map<string, readonly NormalizedSpec[]>();
        const served = new Set<string>();
        let got = new Map<string, number | undefined>();
        const forget = (ownerId: string) => {
          for (const key of [...served]) if (key.startsWith(`${ownerId} `)) served.delete(key);
        };
        for (const step of steps) {
          if (step.op === 'add') {
            // A new handler each time: the owner starts afresh, as after a remove.
            router.add(step.owner, step.specs, (message) => {
              expect(got.has(step.owner)).toBe(false);
              got.set(
                step.owner,
                message.type === 'orderbook' ? (message as OrderbookMessage).orderbook_units.length : undefined,
              );
            });
            live.set(step.owner, step.specs);
            forget(step.owner);
          } else if (step.op === 'remove') {
            router.remove(step.owner);
            live.delete(step.owner);
            forget(step.owner);
          } else {
            for (let i = 0; i < step.repeat; i++) {
              got = new Map();
              const expected = naiveDeliveries(live, served, step.frame);
              expect(router.route(step.frame)).toBe(expected.size);
              expect(got).toEqual(expected);
            }
          }
        }
        for (const ownerId of OWNERS) router.remove(ownerId);
        expect(router.routeCount).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
