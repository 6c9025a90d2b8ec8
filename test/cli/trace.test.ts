import { createActor, createMachine, type InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createToken } from '../../src/protocol/upbit/jwt.js';
import { REDACTED, redactText, toSafeJson, traceRecord } from '../../src/cli/trace.js';

const SECRET = 'sk-very-secret-value';

describe('redactText', () => {
  it('replaces known secrets, bearer headers and JWTs, and nothing else', () => {
    const token = createToken({ accessKey: 'ak-1', secretKey: SECRET });
    expect(redactText(`key=${SECRET}; again ${SECRET}`, [SECRET])).toBe(`key=${REDACTED}; again ${REDACTED}`);
    expect(redactText(`Authorization: Bearer ${token}`, [])).toBe(`Authorization: ${REDACTED}`);
    expect(redactText(`token ${token} end`, [])).toBe(`token ${REDACTED} end`);
    expect(redactText('KRW-BTC open idle', [SECRET, ''])).toBe('KRW-BTC open idle');
  });
});

describe('toSafeJson', () => {
  it('redacts strings and keys at any depth', () => {
    const value = { a: [{ b: `x${SECRET}x` }], [SECRET]: 1, error: new Error(`failed with ${SECRET}`) };
    const json = JSON.stringify(toSafeJson(value, [SECRET]));
    expect(json).not.toContain(SECRET);
    expect(JSON.parse(json)).toEqual({
      a: [{ b: `x${REDACTED}x` }],
      [REDACTED]: 1,
      error: { name: 'Error', message: `failed with ${REDACTED}` },
    });
  });

  it('cuts cycles and bounds depth, list length and string length', () => {
    const cyclic: Record<string, unknown> = { name: 'root' };
    cyclic.self = cyclic;
    expect(toSafeJson(cyclic, [])).toEqual({ name: 'root', self: '[circular]' });

    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(toSafeJson(deep, []))).toContain('"[…]"');

    const list = toSafeJson(Array.from({ length: 200 }, (_, i) => i), []) as unknown[];
    expect(list).toHaveLength(51);
    expect(list.at(-1)).toBe('… 150 more');

    expect((toSafeJson('x'.repeat(5000), []) as string).length).toBe(301);
  });

  it('turns what JSON cannot hold into strings', () => {
    expect(toSafeJson({ n: Number.NaN, big: 10n, f: function named() {}, u: undefined, m: new Map([['k', 1]]) }, [])).toEqual({
      n: 'NaN',
      big: '10',
      f: '[function named]',
      m: { k: 1 },
    });
  });
});

describe('traceRecord', () => {
  function inspectionEvents(): InspectionEvent[] {
    const events: InspectionEvent[] = [];
    const child = createMachine({ id: 'child', initial: 'waiting', states: { waiting: {} } });
    const machine = createMachine({
      id: 'parent',
      context: { secretish: SECRET, count: 1 },
      invoke: { id: 'kid', src: child },
      initial: 'a',
      states: { a: { on: { go: 'b' } }, b: {} },
    });
    const actor = createActor(machine, { inspect: (event) => void events.push(event) });
    actor.start();
    actor.send({ type: 'go' });
    actor.stop();
    return events;
  }

  it('reduces actor refs to ids and snapshots to status, value and context', () => {
    const records = inspectionEvents().map((event) => traceRecord(event, [SECRET], 1) as Record<string, unknown>);
    const snapshot = records.find((r) => r.type === '@xstate.snapshot' && (r.event as { type: string }).type === 'go')!;
    expect(snapshot).toMatchObject({ at: 1, actor: 'parent', snapshot: { status: 'active', value: 'b', context: { secretish: REDACTED, count: 1 } } });
    expect(Object.keys(snapshot.snapshot as object).sort()).toEqual(['context', 'status', 'value']);
    const kid = records.find((r) => r.type === '@xstate.actor' && r.actor === 'kid')!;
    expect(kid.parent).toEqual(expect.stringMatching(/^x:\d+$/));
    // Every record is plain JSON: no machine definitions, no refs.
    for (const record of records) expect(JSON.stringify(record)).not.toMatch(/"machine"|"_parent"|xstate\$\$type/);
  });
});
