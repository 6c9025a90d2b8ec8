import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { connectionMachine, flushMachine } from '../../machines/index.js';
import { eventLabel, layoutChart } from '../../src/live/chart.js';

/** Every state id of a machine, from its definition (the independent oracle). */
function stateIds(node: { id: string; states: Record<string, unknown> }): string[] {
  return Object.values(node.states).flatMap((child) => {
    const c = child as { id: string; states: Record<string, unknown> };
    return [c.id, ...stateIds(c)];
  });
}

/** Every (source, target, event) with a target other than its source. */
function targetedTransitions(node: { id: string; states: Record<string, unknown>; transitions: Map<string, unknown[]>; always?: unknown[] }): string[] {
  const own = [...[...node.transitions.values()].flat(), ...(node.always ?? [])].flatMap((t) => {
    const transition = t as { eventType: string; target?: { id: string }[] };
    return (transition.target ?? []).filter((target) => target.id !== node.id).map((target) => `${node.id} → ${target.id} on '${transition.eventType}'`);
  });
  return [...own, ...Object.values(node.states).flatMap((child) => targetedTransitions(child as never))];
}

describe('layoutChart', () => {
  it.each([
    ['flush', flushMachine],
    ['connection', connectionMachine],
  ] as const)('draws every state and every transition of the %s machine, each box inside its parent', async (_, machine) => {
    const chart = await layoutChart(machine);
    expect(chart.states.map((s) => s.id).sort()).toEqual(stateIds(machine.root as never).sort());
    const drawn = chart.transitions.map((t) => `${t.source} → ${t.target} on '${t.eventType}'`);
    expect(drawn.sort()).toEqual([...new Set(targetedTransitions(machine.root as never))].sort());
    const byId = new Map(chart.states.map((s) => [s.id, s]));
    for (const state of chart.states) {
      expect(state.x).toBeGreaterThanOrEqual(0);
      expect(state.y).toBeGreaterThanOrEqual(0);
      expect(state.x + state.width).toBeLessThanOrEqual(chart.width);
      expect(state.y + state.height).toBeLessThanOrEqual(chart.height);
      const parent = byId.get(state.id.slice(0, state.id.lastIndexOf('.')));
      if (!parent) continue;
      expect(state.x).toBeGreaterThan(parent.x);
      expect(state.y).toBeGreaterThan(parent.y);
      expect(state.x + state.width).toBeLessThan(parent.x + parent.width);
      expect(state.y + state.height).toBeLessThan(parent.y + parent.height);
    }
    for (const transition of chart.transitions) {
      expect(transition.points.length).toBeGreaterThanOrEqual(2);
      expect(transition.labelX).toBeGreaterThanOrEqual(0);
      expect(transition.labelX + transition.labelWidth).toBeLessThanOrEqual(chart.width + 0.1);
    }
  });

  it('marks initial states, parallel regions and depth as the definition says', async () => {
    const chart = await layoutChart(connectionMachine);
    const state = (id: string) => chart.states.find((s) => s.id === id)!;
    expect(state('connection.dormant')).toMatchObject({ initial: true, kind: 'atomic', depth: 0, region: false });
    expect(state('connection.open')).toMatchObject({ kind: 'parallel', initial: false });
    expect(state('connection.open.heartbeat')).toMatchObject({ kind: 'compound', region: true, depth: 1 });
    expect(state('connection.open.heartbeat.waiting')).toMatchObject({ initial: true, depth: 2 });
  });

  it('merges the guarded branches of one transition into one edge, naming their guards', async () => {
    const chart = await layoutChart(flushMachine);
    const toIdle = chart.transitions.filter((t) => t.source === 'flush.debouncing' && t.target === 'flush.idle');
    expect(toIdle.map((t) => t.label)).toEqual(['after debounce [isInSync, hasNoDemand]']);
  });

  it('draws a machine of any shape, laid out once per machine config', async () => {
    const toggle = setup({ actions: { count: assign({ n: ({ context }) => context.n + 1 }) } }).createMachine({
      id: 'toggle',
      context: { n: 0 },
      initial: 'off',
      states: { off: { on: { flip: { target: 'on', actions: 'count' } } }, on: { on: { flip: 'off' } } },
    });
    const chart = await layoutChart(toggle);
    expect(chart.transitions.map((t) => `${t.source}>${t.target}:${t.label}`)).toEqual(['toggle.off>toggle.on:flip', 'toggle.on>toggle.off:flip']);
    expect(layoutChart(toggle.provide({}))).toBe(layoutChart(toggle));
  });
});

describe('eventLabel', () => {
  it('names delays, invoked actors and eventless transitions', () => {
    const node = { invoke: [{ id: '0.flush.sending', src: 'sendDesired' }] };
    expect(eventLabel('xstate.after.debounce.flush.debouncing', node)).toBe('after debounce');
    expect(eventLabel('xstate.done.actor.0.flush.sending', node)).toBe('sendDesired done');
    expect(eventLabel('xstate.error.actor.0.flush.sending', node)).toBe('sendDesired error');
    expect(eventLabel('', node)).toBe('always');
    expect(eventLabel('registry.changed', node)).toBe('registry.changed');
  });
});
