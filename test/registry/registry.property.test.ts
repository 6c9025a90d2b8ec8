import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATA_TYPES, isPrivateType, type ConnectionKind } from '../../src/protocol/upbit/types.js';
import { EMPTY_FINGERPRINT, Registry, type DesiredEntry, type NormalizedSpec } from '../../src/registry/index.js';
import { commandsArbitrary, OWNERS, type Command } from './arbitraries.js';

const KINDS = ['public', 'private'] as const;

/** The desired state computed the slow, obvious way from every live spec. */
function naiveDesired(live: ReadonlyMap<string, readonly NormalizedSpec[]>, kind: ConnectionKind): DesiredEntry[] {
  const merged = new Map<string, { -readonly [K in keyof DesiredEntry]: DesiredEntry[K] }>();
  for (const specs of live.values()) {
    for (const spec of specs) {
      if (spec.kind !== kind) continue;
      for (const code of spec.codes.length > 0 ? spec.codes : ['']) {
        const key = `${spec.type}|${code}|${spec.level}`;
        const entry = merged.get(key) ?? {
          type: spec.type,
          code,
          level: spec.level,
          depth: 1 as const,
          snapshot: false,
          realtime: false,
        };
        entry.depth = Math.max(entry.depth, spec.depth) as DesiredEntry['depth'];
        entry.snapshot ||= spec.snapshot !== 'exclude';
        entry.realtime ||= spec.snapshot !== 'only';
        merged.set(key, entry);
      }
    }
  }
  const allOrders = merged.has('myOrder||0');
  return [...merged.values()]
    .filter((entry) => !(allOrders && entry.type === 'myOrder' && entry.code !== ''))
    .map((entry) => (isPrivateType(entry.type) ? { ...entry, snapshot: false, realtime: true } : entry))
    .sort(
      (a, b) =>
        DATA_TYPES.indexOf(a.type) - DATA_TYPES.indexOf(b.type) || a.level - b.level || a.code.localeCompare(b.code),
    );
}

function apply(registry: Registry, live: Map<string, readonly NormalizedSpec[]>, command: Command): void {
  if (command.op === 'register') {
    registry.register(command.owner, command.specs);
    live.set(command.owner, command.specs);
  } else {
    registry.unregister(command.owner);
    live.delete(command.owner);
  }
}

describe('Registry (properties)', () => {
  it('always holds the union of the live specs, and moves its version iff that union changes', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const registry = new Registry();
        const live = new Map<string, readonly NormalizedSpec[]>();
        const heard = { public: 0, private: 0 };
        registry.onChange((kind, fingerprint, version) => {
          heard[kind as keyof typeof heard]++;
          expect(fingerprint).toBe(registry.fingerprint(kind));
          expect(version).toBe(registry.version(kind));
        });
        for (const command of commands) {
          const before = KINDS.map((kind) => JSON.stringify(naiveDesired(live, kind)));
          const versions = KINDS.map((kind) => registry.version(kind));
          apply(registry, live, command);
          KINDS.forEach((kind, index) => {
            const expected = naiveDesired(live, kind);
            expect(registry.snapshot(kind).entries).toEqual(expected);
            const changed = JSON.stringify(expected) !== before[index];
            expect(registry.version(kind)).toBe(versions[index]! + (changed ? 1 : 0));
            expect(heard[kind]).toBe(registry.version(kind));
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('leaks nothing once every owner is gone', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const registry = new Registry();
        const live = new Map<string, readonly NormalizedSpec[]>();
        for (const command of commands) apply(registry, live, command);
        for (const owner of OWNERS) registry.unregister(owner);
        for (const kind of KINDS) {
          expect(registry.snapshot(kind).entries).toEqual([]);
          expect(registry.fingerprint(kind)).toBe(EMPTY_FINGERPRINT);
        }
        expect(registry.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('gives equal fingerprints to equal states and different ones to different states', () => {
    fc.assert(
      fc.property(commandsArbitrary, commandsArbitrary, (first, second) => {
        // Two registries with different histories; every state either reaches is compared.
        const stateOf = new Map<string, Map<number, string>>([
          ['public', new Map()],
          ['private', new Map()],
        ]);
        const fingerprintOf = new Map<string, number>();
        for (const commands of [first, second]) {
          const registry = new Registry();
          const live = new Map<string, readonly NormalizedSpec[]>();
          for (const command of commands) {
            apply(registry, live, command);
            for (const kind of KINDS) {
              const state = `${kind} ${JSON.stringify(registry.snapshot(kind).entries)}`;
              const fingerprint = registry.fingerprint(kind);
              expect(registry.snapshot(kind).fingerprint).toBe(fingerprint);
              const known = stateOf.get(kind)!.get(fingerprint);
              if (known !== undefined) expect(state).toBe(known);
              stateOf.get(kind)!.set(fingerprint, state);
              const knownFingerprint = fingerprintOf.get(state);
              if (knownFingerprint !== undefined) expect(fingerprint).toBe(knownFingerprint);
              fingerprintOf.set(state, fingerprint);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
