import fc from 'fast-check';
import { normalizeSpec, type NormalizedSpec, type Spec } from '../../src/registry/index.js';

/** Small alphabets, so that owners, codes and options collide often. */
export const OWNERS = ['a', 'b', 'c', 'd'] as const;
export const CODES = ['KRW-BTC', 'KRW-ETH', 'KRW-XRP'] as const;
export const LEVELS = [0, 1000] as const;
export const PUBLIC_TYPES = ['ticker', 'trade', 'orderbook', 'candle.1m', 'candle.5m'] as const;

const codes = fc.subarray([...CODES], { minLength: 1 });
const mode = fc.constantFrom('include' as const, 'only' as const, 'exclude' as const);

/** Any valid spec over the small alphabets, normalized. */
export const specArbitrary: fc.Arbitrary<NormalizedSpec> = fc
  .oneof(
    fc.record({ type: fc.constantFrom('ticker' as const, 'trade' as const, 'candle.1m' as const, 'candle.5m' as const), codes, snapshot: mode }),
    fc.record({
      type: fc.constant('orderbook' as const),
      codes,
      snapshot: mode,
      level: fc.constantFrom(...LEVELS),
      depth: fc.constantFrom(1 as const, 5 as const, 15 as const, 30 as const),
    }),
    fc.record({
      type: fc.constant('myOrder' as const),
      codes: fc.subarray([...CODES]),
      snapshot: fc.constantFrom('include' as const, 'exclude' as const),
    }),
    fc.record({ type: fc.constant('myAsset' as const), snapshot: fc.constantFrom('include' as const, 'exclude' as const) }),
  )
  .map((spec: Spec) => normalizeSpec(spec));

export type Command =
  | { readonly op: 'register'; readonly owner: string; readonly specs: readonly NormalizedSpec[] }
  | { readonly op: 'unregister'; readonly owner: string };

const owner = fc.constantFrom(...OWNERS);

/** Random register (which replaces) / unregister sequences. */
export const commandsArbitrary: fc.Arbitrary<Command[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('register' as const), owner, specs: fc.array(specArbitrary, { maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('unregister' as const), owner }) },
  ),
  { maxLength: 30 },
);
