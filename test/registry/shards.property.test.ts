import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATA_TYPES, type ConnectionId } from '../../src/protocol/upbit/types.js';
import { CapacityError } from '../../src/errors.js';
import { normalizeSpec, Registry, type DesiredEntry, type NormalizedSpec } from '../../src/registry/index.js';

/** Enough codes, a small pool: shards fill, empty and get reused often. */
const CODES = Array.from({ length: 12 }, (_, i) => `KRW-C${i}`);
const POOL = { codesPerConnection: 3, publicConnections: 3 };
const OWNERS = ['a', 'b', 'c', 'd', 'e'];

const specArbitrary = fc
  .record({
    type: fc.constantFrom('ticker' as const, 'trade' as const, 'orderbook' as const),
    codes: fc.subarray(CODES, { minLength: 1, maxLength: 4 }),
    snapshot: fc.constantFrom('include' as const, 'only' as const, 'exclude' as const),
  })
  .map((spec) => normalizeSpec(spec));

type Command = { op: 'register'; owner: string; specs: NormalizedSpec[] } | { op: 'unregister'; owner: string } | { op: 'release' };

const commandsArbitrary: fc.Arbitrary<Command[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('register' as const), owner: fc.constantFrom(...OWNERS), specs: fc.array(specArbitrary, { maxLength: 2 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('unregister' as const), owner: fc.constantFrom(...OWNERS) }) },
    { weight: 1, arbitrary: fc.constant({ op: 'release' as const }) },
  ),
  { maxLength: 40 },
);

/** The public desired state, merged the obvious way over every live spec (code, type: flags and depth). */
function naivePublic(live: ReadonlyMap<string, readonly NormalizedSpec[]>): string[] {
  const merged = new Map<string, { snapshot: boolean; realtime: boolean; depth: number }>();
  for (const specs of live.values()) {
    for (const spec of specs) {
      for (const code of spec.codes) {
        const key = `${spec.type} ${code}`;
        const entry = merged.get(key) ?? { snapshot: false, realtime: false, depth: 1 };
        entry.snapshot ||= spec.snapshot !== 'exclude';
        entry.realtime ||= spec.snapshot !== 'only';
        entry.depth = Math.max(entry.depth, spec.depth);
        merged.set(key, entry);
      }
    }
  }
  return [...merged].map(([key, e]) => `${key} ${e.depth} ${e.snapshot}${e.realtime}`).sort();
}

const textOf = (entry: DesiredEntry): string => `${entry.type} ${entry.code} ${entry.depth} ${entry.snapshot}${entry.realtime}`;
const shardsOf = (registry: Registry): ConnectionId[] => registry.connections().filter((id) => id !== 'private');

describe('Registry shards (properties)', () => {
  it('the shards together hold exactly the desired state, no code is on two shards, none over its limit; a full pool throws and changes nothing', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const registry = new Registry(POOL);
        const live = new Map<string, readonly NormalizedSpec[]>();
        for (const command of commands) {
          const before = JSON.stringify(shardsOf(registry).map((id) => registry.snapshot(id).entries));
          const placed = new Map(CODES.map((code) => [code, registry.shardOf(code)]));
          try {
            if (command.op === 'register') registry.register(command.owner, command.specs);
            else if (command.op === 'unregister') registry.unregister(command.owner);
            else for (const id of shardsOf(registry)) registry.releaseShard(id);
          } catch (error) {
            expect(error).toBeInstanceOf(CapacityError);
            expect(JSON.stringify(shardsOf(registry).map((id) => registry.snapshot(id).entries))).toBe(before);
            continue;
          }
          if (command.op === 'register') live.set(command.owner, command.specs);
          if (command.op === 'unregister') live.delete(command.owner);

          const union: string[] = [];
          const owner = new Map<string, ConnectionId>();
          for (const id of shardsOf(registry)) {
            const codes = new Set<string>();
            for (const entry of registry.snapshot(id).entries) {
              union.push(textOf(entry));
              codes.add(entry.code);
              const other = owner.get(entry.code);
              expect(other === undefined || other === id, `${entry.code} on ${other} and ${id}`).toBe(true);
              owner.set(entry.code, id);
              expect(registry.shardOf(entry.code)).toBe(id);
            }
            expect(codes.size).toBe(registry.codeCount(id));
            expect(codes.size).toBeLessThanOrEqual(POOL.codesPerConnection);
          }
          expect(union.sort()).toEqual(naivePublic(live));
          expect(shardsOf(registry).length).toBeLessThanOrEqual(POOL.publicConnections);
          // Sticky: a code wanted before and after never moved.
          for (const [code, shard] of placed) {
            const now = registry.shardOf(code);
            if (shard !== undefined && now !== undefined) expect(now).toBe(shard);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('Registry shards', () => {
  const ticker = (codes: string[]) => normalizeSpec({ type: 'ticker', codes });
  const trade = (codes: string[]) => normalizeSpec({ type: 'trade', codes });

  it('fills a shard before opening the next, keeps every type of a code on one shard, and tells only the shards that changed', () => {
    const registry = new Registry({ codesPerConnection: 2, publicConnections: 3 });
    const heard: ConnectionId[] = [];
    registry.onChange((id) => heard.push(id));
    registry.register('a', [ticker(['KRW-A', 'KRW-B', 'KRW-C'])]);
    expect(heard).toEqual(['public', 'public-2']);
    expect(registry.snapshot('public').entries.map((e) => e.code)).toEqual(['KRW-A', 'KRW-B']);
    heard.length = 0;
    registry.register('b', [trade(['KRW-C'])]);
    expect(heard).toEqual(['public-2']);
    expect(registry.snapshot('public-2').entries.map((e) => `${e.type} ${e.code}`)).toEqual(['ticker KRW-C', 'trade KRW-C']);
  });

  it('a new code goes to the shard with the most room, an emptied shard included, until it is released', () => {
    const registry = new Registry({ codesPerConnection: 2, publicConnections: 3 });
    registry.register('a', [ticker(['KRW-A', 'KRW-B', 'KRW-C'])]);
    registry.unregister('a');
    expect(registry.connections()).toEqual(['private', 'public', 'public-2']);
    registry.register('b', [ticker(['KRW-D'])]);
    expect(registry.shardOf('KRW-D')).toBe('public');
    registry.register('c', [ticker(['KRW-E'])]);
    expect(registry.shardOf('KRW-E')).toBe('public-2');
    registry.unregister('c');
    expect(registry.releaseShard('public-2')).toBe(true);
    expect(registry.releaseShard('public')).toBe(false);
    expect(registry.connections()).toEqual(['private', 'public']);
  });

  it('throws CapacityError naming the codes without room, and changes nothing', () => {
    const registry = new Registry({ codesPerConnection: 2, publicConnections: 2 });
    registry.register('a', [ticker(['KRW-A', 'KRW-B', 'KRW-C'])]);
    let heard = 0;
    registry.onChange(() => heard++);
    const error = (() => {
      try {
        registry.register('b', [ticker(['KRW-D', 'KRW-E'])]);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(CapacityError);
    expect(error).toMatchObject({ code: 'ERR_CAPACITY', codes: ['KRW-E'], capacity: 4 });
    expect(registry.has('b')).toBe(false);
    expect(registry.shardOf('KRW-D')).toBeUndefined();
    expect(heard).toBe(0);
    // Swapping codes on a full pool fits: the codes that leave free their room first.
    registry.register('a', [ticker(['KRW-A', 'KRW-B', 'KRW-X', 'KRW-Y'])]);
    expect(registry.shardOf('KRW-X')).toBe('public-2');
    expect(registry.shardOf('KRW-C')).toBeUndefined();
  });

  it('orders entries as DATA_TYPES does on every shard', () => {
    const registry = new Registry({ codesPerConnection: 1, publicConnections: 2 });
    registry.register('a', [trade(['KRW-A']), ticker(['KRW-A', 'KRW-B'])]);
    const types = registry.snapshot('public').entries.map((e) => DATA_TYPES.indexOf(e.type));
    expect(types).toEqual([...types].sort((x, y) => x - y));
  });
});
