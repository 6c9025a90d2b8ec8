/**
 * A statechart as a drawing: the states and transitions of a machine definition, laid out by ELK
 * (the Eclipse Layout Kernel, run here in Node) into boxes and routed edges the page only has to
 * paint. Nothing is hand-placed, so a chart that changes is drawn as it now is. elkjs is an
 * optional peer, loaded with the first layout.
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { AnyStateMachine } from 'xstate';
import { importPeer, type OptionalPeer } from '../optional.js';

/** elkjs, for the live view's charts. */
export const CHART_PEER: OptionalPeer<{ default: typeof import('elkjs/lib/elk.bundled.js') }> = {
  feature: "the live view's charts",
  packages: ['elkjs'],
  load: () => import('elkjs/lib/elk.bundled.js'),
};

/** One state: its box, relative to the chart's top-left corner. */
export interface ChartState {
  /** The state node's id, e.g. `flush.rateWaiting.acquiring`. */
  readonly id: string;
  /** The state's key, e.g. `acquiring`. */
  readonly label: string;
  readonly kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Whether this is its parent's initial state. */
  readonly initial: boolean;
  /** Whether the parent is parallel (the state is a region, drawn dashed). */
  readonly region: boolean;
  readonly depth: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One transition (guards of the same source, target and event merged into one edge). */
export interface ChartTransition {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** The event type as XState sends it (`xstate.after.debounce.flush.debouncing`, `''` for eventless). */
  readonly eventType: string;
  readonly label: string;
  /** The routed line, as points. */
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly labelX: number;
  readonly labelY: number;
  readonly labelWidth: number;
}

export interface Chart {
  /** The machine's id (`flush`, `connection`…). */
  readonly id: string;
  readonly width: number;
  readonly height: number;
  readonly states: readonly ChartState[];
  readonly transitions: readonly ChartTransition[];
}

/** What the page's text measures: an estimate good enough for layout (11 px system sans-serif). */
const CHAR_WIDTH = 6.4;
/** Transition labels are smaller (9.5 px). */
const LABEL_CHAR_WIDTH = 5.2;
const LABEL_HEIGHT = 14;
const STATE_HEIGHT = 30;
const STATE_PADDING_X = 22;
const COMPOUND_PADDING = '[top=30,left=14,bottom=14,right=14]';

interface StateNodeLike {
  readonly id: string;
  readonly key: string;
  readonly type: ChartState['kind'];
  readonly states: Readonly<Record<string, StateNodeLike>>;
  readonly initial?: { readonly target: readonly { readonly id: string }[] };
  readonly transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[];
  readonly invoke: readonly { readonly id: string; readonly src: unknown }[];
}

interface TransitionLike {
  readonly eventType: string;
  readonly target?: readonly { readonly id: string }[];
  readonly guard?: unknown;
}

/**
 * Layouts made so far, by machine config: `provide()` keeps the config, so every orchestrator's
 * copy of a chart shares one layout (ELK takes seconds on a busy machine).
 */
const layouts = new WeakMap<object, Promise<Chart>>();

/** The states and transitions of `machine`, laid out (once per machine config). */
export function layoutChart(machine: AnyStateMachine): Promise<Chart> {
  let chart = layouts.get(machine.config);
  if (!chart) {
    chart = computeLayout(machine);
    layouts.set(machine.config, chart);
    // A failed layout is not kept: the next caller tries again.
    chart.catch(() => layouts.delete(machine.config));
  }
  return chart;
}

async function computeLayout(machine: AnyStateMachine): Promise<Chart> {
  const root = machine.root as unknown as StateNodeLike;
  const states = new Map<string, Omit<ChartState, 'x' | 'y' | 'width' | 'height'>>();
  const edges = collectTransitions(root);
  const toElk = (node: StateNodeLike, depth: number, region: boolean, initial: boolean): ElkNode => {
    const children = Object.values(node.states);
    states.set(node.id, { id: node.id, label: node.key, kind: node.type, initial, region, depth });
    const labelWidth = node.key.length * CHAR_WIDTH + STATE_PADDING_X;
    if (children.length === 0) return { id: node.id, width: Math.max(64, labelWidth), height: STATE_HEIGHT };
    const initialId = node.initial?.target[0]?.id;
    return {
      id: node.id,
      layoutOptions: {
        'elk.padding': COMPOUND_PADDING,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${labelWidth + 20},${STATE_HEIGHT + 20})`,
        // Parallel regions side by side read as "at the same time".
        ...(node.type === 'parallel' ? { 'elk.direction': 'DOWN' } : {}),
      },
      children: children.map((child) => toElk(child, depth + 1, node.type === 'parallel', child.id === initialId)),
    };
  };
  const top = Object.values(root.states);
  const initialId = root.initial?.target[0]?.id;
  const graph: ElkNode = {
    id: root.id,
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '64',
      'elk.layered.spacing.edgeNodeBetweenLayers': '18',
      'elk.spacing.nodeNode': '26',
      'elk.spacing.edgeNode': '14',
      'elk.spacing.edgeEdge': '12',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      // States are declared in the order a reader follows them (idle → debouncing → …): keep it left to right.
      'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    },
    children: top.map((child) => toElk(child, 0, root.type === 'parallel', child.id === initialId)),
    edges: edges.map(
      (edge): ElkExtendedEdge => ({
        id: edge.id,
        sources: [edge.source],
        targets: [edge.target],
      }),
    ),
  };
  // The bundle sets both `module.exports` and `.default` to the constructor; `.default` is what every loader agrees on.
  const ELK = (await importPeer(CHART_PEER)).default.default;
  const laid = await new ELK().layout(graph);
  const placed: ChartState[] = [];
  const visit = (node: ElkNode): void => {
    for (const child of node.children ?? []) {
      const state = states.get(child.id);
      if (state) placed.push({ ...state, x: child.x ?? 0, y: child.y ?? 0, width: child.width ?? 0, height: child.height ?? 0 });
      visit(child);
    }
  };
  visit(laid);
  const laidEdges = new Map<string, ElkExtendedEdge>();
  const collectEdges = (node: ElkNode): void => {
    for (const edge of node.edges ?? []) laidEdges.set(edge.id, edge);
    for (const child of node.children ?? []) collectEdges(child);
  };
  collectEdges(laid);
  const lines = edges.map((edge) => {
    const section = laidEdges.get(edge.id)?.sections?.[0];
    return section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] : [];
  });
  const widths = edges.map((edge) => edge.label.length * LABEL_CHAR_WIDTH + 4);
  const labels = placeLabels(lines, widths, placed.map((s) => ({ ...s, compound: s.kind === 'compound' || s.kind === 'parallel' })));
  // Labels may stick out past ELK's bounds: grow the chart to hold them, shifting everything by the overhang.
  const dx = Math.max(0, -Math.min(0, ...labels.map((l) => l.x)));
  const dy = Math.max(0, -Math.min(0, ...labels.map((l) => l.y)));
  const width = Math.max(laid.width ?? 0, ...labels.map((l) => l.x + l.width)) + dx;
  const height = Math.max(laid.height ?? 0, ...labels.map((l) => l.y + l.height)) + dy;
  const transitions = edges.map((edge, i): ChartTransition => ({
    ...edge,
    points: lines[i]!.map(({ x, y }) => ({ x: round(x + dx), y: round(y + dy) })),
    labelX: round(labels[i]!.x + dx),
    labelY: round(labels[i]!.y + dy),
    labelWidth: round(widths[i]!),
  }));
  return {
    id: root.id,
    width: round(width),
    height: round(height),
    states: placed.map((s) => ({ ...s, x: round(s.x + dx), y: round(s.y + dy), width: round(s.width), height: round(s.height) })),
    transitions,
  };
}

type Edge = Omit<ChartTransition, 'points' | 'labelX' | 'labelY' | 'labelWidth'>;

function collectTransitions(root: StateNodeLike): Edge[] {
  const edges = new Map<string, Omit<Edge, 'label'> & { event: string; guards: string[] }>();
  const visit = (node: StateNodeLike): void => {
    const all = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    for (const transition of all) {
      for (const target of transition.target ?? []) {
        // A transition to itself only restarts timers: drawn as a loop it hides more than it shows.
        if (target.id === node.id) continue;
        const key = `${node.id}→${target.id}:${transition.eventType}`;
        const edge = edges.get(key) ?? {
          id: `e${edges.size}`,
          source: node.id,
          target: target.id,
          eventType: transition.eventType,
          event: eventLabel(transition.eventType, node),
          guards: [],
        };
        const guard = guardName(transition.guard);
        if (guard && !edge.guards.includes(guard)) edge.guards.push(guard);
        edges.set(key, edge);
      }
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(root);
  return [...edges.values()].map(({ event, guards, ...edge }) => ({
    ...edge,
    label: guards.length === 0 ? event : `${event} [${guards.join(', ')}]`,
  }));
}

/** `xstate.after.debounce.flush.debouncing` → `after debounce`; `xstate.done.actor.0.flush.sending` → `sendDesired done`. */
export function eventLabel(eventType: string, node: Pick<StateNodeLike, 'invoke'>): string {
  if (eventType === '') return 'always';
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  const invoked = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (invoked) {
    const source = node.invoke.find((invoke) => invoke.id === invoked[2])?.src;
    return `${typeof source === 'string' ? source : 'invoke'} ${invoked[1]}`;
  }
  return eventType;
}

function guardName(guard: unknown): string | undefined {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard && typeof guard.type === 'string') return guard.type;
  // Built-in combinators (`and`, `not`) are functions carrying their parts.
  if (typeof guard === 'function' && 'guards' in guard && Array.isArray(guard.guards)) {
    const check = 'check' in guard && typeof guard.check === 'function' ? guard.check.name : '';
    const op = `${guard.name} ${check}`.toLowerCase();
    const parts = guard.guards.map(guardName).filter(Boolean);
    if (op.includes('not')) return `!${parts.join('')}`;
    return parts.join(op.includes('or') ? ' | ' : ' & ');
  }
  return undefined;
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Where each transition's label goes: beside one of its segments, the longest horizontal ones
 * first, at the first spot that covers no state and no label already placed (or the least
 * covered one). Labels are left out of ELK's layout on purpose: as layer nodes they made every
 * chart twice as wide.
 */
function placeLabels(lines: readonly (readonly { x: number; y: number }[])[], widths: readonly number[], states: readonly (Box & { compound: boolean })[]): Box[] {
  // A compound state's box holds its children: only its title row is in the way.
  const obstacles: Box[] = states.map((s) => (s.compound ? { ...s, height: 26 } : s));
  const placed: Box[] = [];
  return lines.map((points, index) => {
    const width = widths[index]!;
    const candidates: { box: Box; penalty: number }[] = [];
    const add = (x: number, y: number, penalty: number): void => {
      candidates.push({ box: { x, y, width, height: LABEL_HEIGHT }, penalty });
    };
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      const length = Math.hypot(b.x - a.x, b.y - a.y);
      // Long horizontal runs read best; short or vertical ones cost a little more.
      const base = Math.abs(a.y - b.y) < 0.5 ? 200 / (1 + length) : 400 / (1 + length);
      if (Math.abs(a.y - b.y) < 0.5) {
        const left = Math.min(a.x, b.x);
        for (const x of [left + (length - width) / 2, left, left + length - width]) {
          for (const [row, cost] of [[-1, 0], [0, 6], [-2, 40], [1, 40]] as const) {
            add(x, a.y + (row < 0 ? row * LABEL_HEIGHT - 1 : row * LABEL_HEIGHT + 1), base + cost);
          }
        }
      } else {
        const top = Math.min(a.y, b.y);
        for (const f of [0.5, 0.25, 0.75]) {
          const y = top + length * f - LABEL_HEIGHT / 2;
          add(a.x + 4, y, base + (f === 0.5 ? 0 : 8));
          add(a.x - 4 - width, y, base + (f === 0.5 ? 4 : 12));
        }
      }
    }
    let best: { box: Box; cost: number } | undefined;
    for (const { box, penalty } of candidates) {
      // Covering a state's name is worse than touching another label.
      const cost = penalty + obstacles.reduce((sum, o) => sum + 3 * overlap(box, o), 0) + placed.reduce((sum, o) => sum + overlap(box, o), 0);
      if (!best || cost < best.cost) best = { box, cost };
    }
    const box = best?.box ?? { x: 0, y: 0, width, height: LABEL_HEIGHT };
    placed.push(box);
    return box;
  });
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
