import { afterEach, describe, expect, it, vi } from 'vitest';
import { EMPTY_FINGERPRINT, normalizeSpec, Registry, type NormalizedSpec, type Spec } from '../../src/registry/index.js';
import type { ConnectionId, ConnectionKind } from '../../src/protocol/upbit/types.js';

const spec = (input: Spec): NormalizedSpec => normalizeSpec(input);
const ticker = (...codes: string[]) => spec({ type: 'ticker', codes });

/** Every change notification a registry makes. */
function recordChanges(registry: Registry) {
  const changes: { kind: ConnectionId; fingerprint: number; version: number }[] = [];
  registry.onChange((kind, fingerprint, version) => changes.push({ kind, fingerprint, version }));
  return changes;
}

const codesOf = (registry: Registry, kind: ConnectionKind = 'public') =>
  registry.snapshot(kind).entries.map((entry) => `${entry.type}:${entry.code}`);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Registry', () => {
  it('starts empty', () => {
    const registry = new Registry();
    for (const kind of ['public', 'private'] as const) {
      expect(registry.version(kind)).toBe(0);
      expect(registry.fingerprint(kind)).toBe(EMPTY_FINGERPRINT);
      expect(registry.snapshot(kind)).toEqual({ kind, connection: kind, version: 0, fingerprint: EMPTY_FINGERPRINT, entries: [] });
    }
    expect(registry.size).toBe(0);
    expect(registry.connections()).toEqual(['private', 'public']);
  });

  it('merges the specs of every owner', () => {
    const registry = new Registry();
    registry.register('a', [ticker('KRW-BTC')]);
    registry.register('b', [ticker('KRW-ETH'), spec({ type: 'trade', codes: ['KRW-BTC'] })]);
    expect(codesOf(registry)).toEqual(['ticker:KRW-BTC', 'ticker:KRW-ETH', 'trade:KRW-BTC']);
    expect(registry.size).toBe(2);
    expect(registry.has('a')).toBe(true);
    expect(registry.has('c')).toBe(false);
  });

  it('keeps a code while any owner wants it (reference counting)', () => {
    const registry = new Registry();
    registry.register('a', [ticker('KRW-BTC')]);
    registry.register('b', [ticker('KRW-BTC')]);
    registry.unregister('a');
    expect(codesOf(registry)).toEqual(['ticker:KRW-BTC']);
    registry.unregister('b');
    expect(codesOf(registry)).toEqual([]);
  });

  it('leaks nothing when owners of different codes leave (the original kept ticker/BTC)', () => {
    const registry = new Registry();
    registry.register('a', [ticker('KRW-BTC')]);
    registry.register('b', [ticker('KRW-ETH')]);
    registry.unregister('a');
    registry.unregister('b');
    expect(registry.snapshot('public').entries).toEqual([]);
    expect(registry.fingerprint('public')).toBe(EMPTY_FINGERPRINT);
    expect(registry.size).toBe(0);
  });

  it('replaces an owner’s specs atomically, with one notification', () => {
    const registry = new Registry();
    registry.register('a', [ticker('KRW-BTC')]);
    const changes = recordChanges(registry);
    registry.register('a', [ticker('KRW-ETH')]);
    expect(codesOf(registry)).toEqual(['ticker:KRW-ETH']);
    expect(changes).toEqual([{ kind: 'public', fingerprint: registry.fingerprint('public'), version: 2 }]);
  });

  it('counts the same code twice in one owner’s specs', () => {
    const registry = new Registry();
    registry.register('a', [ticker('KRW-BTC'), ticker('KRW-BTC', 'KRW-ETH')]);
    registry.register('a', [ticker('KRW-BTC')]);
    expect(codesOf(registry)).toEqual(['ticker:KRW-BTC']);
  });

  describe('version', () => {
    it('moves on a net change and notifies once per kind', () => {
      const registry = new Registry();
      const changes = recordChanges(registry);
      registry.register('a', [ticker('KRW-BTC'), spec({ type: 'myAsset' })]);
      expect(changes).toEqual([
        { kind: 'public', fingerprint: registry.fingerprint('public'), version: 1 },
        { kind: 'private', fingerprint: registry.fingerprint('private'), version: 1 },
      ]);
      expect(registry.version('public')).toBe(1);
      expect(registry.version('private')).toBe(1);
    });

    it('does not move when specs are replaced with equal ones', () => {
      const registry = new Registry();
      registry.register('a', [ticker('KRW-BTC', 'KRW-ETH')]);
      const changes = recordChanges(registry);
      registry.register('a', [ticker('KRW-ETH'), ticker('KRW-BTC')]);
      expect(changes).toEqual([]);
      expect(registry.version('public')).toBe(1);
    });

    it('does not move when another owner asks for what is already wanted', () => {
      const registry = new Registry();
      registry.register('a', [ticker('KRW-BTC')]);
      const changes = recordChanges(registry);
      registry.register('b', [ticker('KRW-BTC')]);
      registry.unregister('a');
      expect(changes).toEqual([]);
    });

    it('does not move the other kind', () => {
      const registry = new Registry();
      registry.register('a', [spec({ type: 'myOrder' })]);
      registry.register('b', [ticker('KRW-BTC')]);
      expect(registry.version('private')).toBe(1);
      expect(registry.version('public')).toBe(1);
    });

    it('does not move for an unknown owner', () => {
      const registry = new Registry();
      const changes = recordChanges(registry);
      registry.unregister('nobody');
      expect(changes).toEqual([]);
      expect(registry.version('public')).toBe(0);
    });

    it('moves when the merged stream wishes change', () => {
      const registry = new Registry();
      registry.register('a', [spec({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' })]);
      const before = registry.fingerprint('public');
      registry.register('b', [spec({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'exclude' })]);
      expect(registry.version('public')).toBe(2);
      expect(registry.fingerprint('public')).not.toBe(before);
    });
  });

  describe('fingerprint', () => {
    it('depends on the content only, not on the history', () => {
      const one = new Registry();
      one.register('a', [ticker('KRW-BTC')]);
      one.register('b', [ticker('KRW-ETH'), spec({ type: 'orderbook', codes: ['KRW-BTC'], depth: 5 })]);
      one.register('c', [spec({ type: 'trade', codes: ['KRW-XRP'] })]);
      one.unregister('c');

      const two = new Registry();
      two.register('x', [spec({ type: 'orderbook', codes: ['KRW-BTC.5'] }), ticker('KRW-ETH', 'KRW-BTC')]);

      expect(one.fingerprint('public')).toBe(two.fingerprint('public'));
      expect(one.snapshot('public').entries).toEqual(two.snapshot('public').entries);
      expect(one.version('public')).not.toBe(two.version('public'));
    });

    it('returns to its old value when the state does', () => {
      const registry = new Registry();
      registry.register('a', [ticker('KRW-BTC')]);
      const fingerprint = registry.fingerprint('public');
      registry.register('b', [ticker('KRW-ETH')]);
      expect(registry.fingerprint('public')).not.toBe(fingerprint);
      registry.unregister('b');
      expect(registry.fingerprint('public')).toBe(fingerprint);
    });

    it('is a safe integer', () => {
      const registry = new Registry();
      registry.register('a', [ticker(...Array.from({ length: 50 }, (_, i) => `KRW-C${i}`))]);
      expect(Number.isSafeInteger(registry.fingerprint('public'))).toBe(true);
    });
  });

  describe('snapshot', () => {
    it('is frozen, and the same object until the next change', () => {
      const registry = new Registry();
      registry.register('a', [ticker('KRW-BTC')]);
      const snapshot = registry.snapshot('public');
      expect(Object.isFrozen(snapshot)).toBe(true);
      expect(Object.isFrozen(snapshot.entries)).toBe(true);
      expect(Object.isFrozen(snapshot.entries[0])).toBe(true);
      expect(registry.snapshot('public')).toBe(snapshot);
      registry.register('b', [ticker('KRW-BTC')]);
      expect(registry.snapshot('public')).toBe(snapshot);
      registry.register('b', [ticker('KRW-ETH')]);
      expect(registry.snapshot('public')).not.toBe(snapshot);
      expect(snapshot.entries).toHaveLength(1);
    });

    it('carries its version and fingerprint', () => {
      const registry = new Registry();
      registry.register('a', [ticker('KRW-BTC')]);
      expect(registry.snapshot('public')).toMatchObject({
        kind: 'public',
        version: registry.version('public'),
        fingerprint: registry.fingerprint('public'),
      });
    });

    it('sorts entries by type, level and code', () => {
      const registry = new Registry();
      registry.register('a', [
        spec({ type: 'candle.5m', codes: ['KRW-BTC'] }),
        spec({ type: 'orderbook', codes: ['KRW-ETH'], level: 1000 }),
        spec({ type: 'orderbook', codes: ['KRW-XRP'] }),
        ticker('KRW-XRP', 'KRW-BTC'),
        spec({ type: 'candle.1m', codes: ['KRW-BTC'] }),
      ]);
      expect(registry.snapshot('public').entries.map((e) => `${e.type}:${e.code}:${e.level}`)).toEqual([
        'ticker:KRW-BTC:0',
        'ticker:KRW-XRP:0',
        'orderbook:KRW-XRP:0',
        'orderbook:KRW-ETH:1000',
        'candle.1m:KRW-BTC:0',
        'candle.5m:KRW-BTC:0',
      ]);
    });
  });

  describe('merged wishes', () => {
    it('asks for both streams when one subscriber wants the snapshot and another realtime only', () => {
      const registry = new Registry();
      registry.register('a', [spec({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'only' })]);
      expect(registry.snapshot('public').entries[0]).toMatchObject({ snapshot: true, realtime: false });
      registry.register('b', [spec({ type: 'ticker', codes: ['KRW-BTC'], snapshot: 'exclude' })]);
      expect(registry.snapshot('public').entries[0]).toMatchObject({ snapshot: true, realtime: true });
      registry.unregister('a');
      expect(registry.snapshot('public').entries[0]).toMatchObject({ snapshot: false, realtime: true });
    });

    it('asks for the largest orderbook depth per (code, level)', () => {
      const registry = new Registry();
      registry.register('a', [spec({ type: 'orderbook', codes: ['KRW-BTC'], depth: 5 })]);
      registry.register('b', [spec({ type: 'orderbook', codes: ['KRW-BTC.15'] })]);
      registry.register('c', [spec({ type: 'orderbook', codes: ['KRW-BTC'], depth: 30, level: 10000 })]);
      const depths = () => registry.snapshot('public').entries.map((e) => [e.level, e.depth]);
      expect(depths()).toEqual([
        [0, 15],
        [10000, 30],
      ]);
      registry.unregister('b');
      expect(depths()).toEqual([
        [0, 5],
        [10000, 30],
      ]);
    });

    it('keeps candle units apart', () => {
      const registry = new Registry();
      registry.register('a', [spec({ type: 'candle.1m', codes: ['KRW-BTC'] })]);
      registry.register('b', [spec({ type: 'candle.5m', codes: ['KRW-BTC'] })]);
      registry.unregister('a');
      expect(codesOf(registry)).toEqual(['candle.5m:KRW-BTC']);
    });

    it('lets all-markets myOrder cover specific codes', () => {
      const registry = new Registry();
      registry.register('a', [spec({ type: 'myOrder', codes: ['KRW-BTC'] })]);
      registry.register('b', [spec({ type: 'myOrder' })]);
      expect(codesOf(registry, 'private')).toEqual(['myOrder:']);
      const changes = recordChanges(registry);
      registry.register('c', [spec({ type: 'myOrder', codes: ['KRW-ETH'] })]);
      expect(changes).toEqual([]);
      registry.unregister('b');
      expect(codesOf(registry, 'private')).toEqual(['myOrder:KRW-BTC', 'myOrder:KRW-ETH']);
      expect(changes).toHaveLength(1);
    });

    it('gives private streams fixed flags: Upbit sends them as events only', () => {
      const registry = new Registry();
      registry.register('a', [spec({ type: 'myAsset', snapshot: 'exclude' })]);
      expect(registry.snapshot('private').entries).toEqual([
        { type: 'myAsset', code: '', level: 0, depth: 30, snapshot: false, realtime: true },
      ]);
      const changes = recordChanges(registry);
      registry.register('b', [spec({ type: 'myAsset' })]);
      expect(changes).toEqual([]);
    });
  });

  describe('listeners', () => {
    it('stop hearing once removed', () => {
      const registry = new Registry();
      const listener = vi.fn();
      const off = registry.onChange(listener);
      registry.register('a', [ticker('KRW-BTC')]);
      off();
      registry.register('b', [ticker('KRW-ETH')]);
      expect(listener).toHaveBeenCalledTimes(1);
    });

    it('see the new state when called', () => {
      const registry = new Registry();
      let seen: string[] = [];
      registry.onChange(() => {
        seen = codesOf(registry);
      });
      registry.register('a', [ticker('KRW-BTC')]);
      expect(seen).toEqual(['ticker:KRW-BTC']);
    });

    it('are isolated from each other: a throwing one is rethrown later, the change stands', () => {
      const later: (() => void)[] = [];
      vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((callback) => later.push(callback));
      const registry = new Registry();
      const second = vi.fn();
      registry.onChange(() => {
        throw new Error('listener failed');
      });
      registry.onChange(second);
      registry.register('a', [ticker('KRW-BTC')]);
      expect(second).toHaveBeenCalledTimes(1);
      expect(codesOf(registry)).toEqual(['ticker:KRW-BTC']);
      expect(later).toHaveLength(1);
      expect(() => later[0]!()).toThrow('listener failed');
    });
  });

  it('changes nothing when a call fails part-way', () => {
    const registry = new Registry();
    registry.register('a', [ticker('KRW-BTC')]);
    const snapshot = registry.snapshot('public');
    const changes = recordChanges(registry);
    const broken = { ...ticker('KRW-ETH'), codes: undefined } as unknown as NormalizedSpec;
    expect(() => registry.register('a', [ticker('KRW-XRP'), broken])).toThrow();
    expect(registry.snapshot('public')).toBe(snapshot);
    expect(changes).toEqual([]);
    registry.unregister('a');
    expect(registry.fingerprint('public')).toBe(EMPTY_FINGERPRINT);
  });
});
