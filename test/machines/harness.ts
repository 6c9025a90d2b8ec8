/**
 * Model-based testing for the statecharts.
 *
 * A `GraphModel` says which events the outside world can send a machine and what its invoked
 * actors may settle with. From it, xstate/graph traverses the machine's pure `transition`
 * (`getShortestPaths` / `getSimplePaths`), and `replay` drives every generated path through a
 * real actor: stub actors settle on demand, delayed transitions fire on a SimulatedClock, and
 * after each step the actor must hold exactly the snapshot the pure transition computed.
 *
 * `createTestModel` cannot be used here: it refuses machines with `after` or `invoke`. Delayed
 * transitions are therefore reached by their internal `xstate.after.<delay>.<stateNodeId>`
 * events and invoked actors' results by `xstate.done.actor.<id>` / `xstate.error.actor.<id>`,
 * all discovered from the machine definition.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createActor,
  fromCallback,
  fromPromise,
  SimulatedClock,
  type AnyActorLogic,
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  type EventObject,
  type InspectionEvent,
} from 'xstate';
import { getAdjacencyMap, getPathsFromEvents, getShortestPaths, getSimplePaths, getStateNodes, type AdjacencyMap, type StatePath } from 'xstate/graph';

/** An event of the traversal: a type plus a payload from the model's small domain. */
export type ModelEvent = EventObject & Readonly<Record<string, unknown>>;
export type MachinePath = StatePath<AnyMachineSnapshot, ModelEvent>;

/** What an invoked promise actor may settle with. */
export interface Outcomes {
  readonly done?: readonly unknown[];
  readonly error?: readonly unknown[];
}

export interface GraphModel {
  /** The machine under test, exactly as it ships. */
  readonly machine: AnyStateMachine;
  readonly input: unknown;
  /** The events the outside world can send in `snapshot`, payloads drawn from a small domain. */
  readonly events: (snapshot: AnyMachineSnapshot) => readonly ModelEvent[];
  /** What each invoked promise actor, by `src`, may settle with while the machine is in `snapshot`. */
  readonly outcomes: Readonly<Record<string, (snapshot: AnyMachineSnapshot) => Outcomes>>;
  /** Actors, by `src`, replaced by stubs that record the events they receive. */
  readonly callbacks: readonly string[];
  /**
   * A snapshot's vertex in the graph: the state value and the context fields that steer the
   * machine. Monotone counters stay out, or the graph would never close.
   */
  readonly serialize: (snapshot: AnyMachineSnapshot, event: ModelEvent | undefined, previous: AnyMachineSnapshot | undefined) => string;
}

/** The actor system a replay's actors run in. */
type ActorSystemOf = AnyActorRef['system'];

const AFTER = 'xstate.after.';
const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';

/** Every state node of `machine`, the root first. */
function stateNodesOf(machine: AnyStateMachine): AnyStateNode[] {
  return [machine.root, ...getStateNodes(machine.root)];
}

/** Delay names by the internal event their timer raises. */
function delayNamesByEvent(machine: AnyStateMachine): Map<string, string> {
  const names = new Map<string, string>();
  for (const node of stateNodesOf(machine)) {
    for (const { eventType, delay } of node.after) {
      // A numeric `after` could not be given a planned duration: the machines name every delay.
      if (typeof delay !== 'string') throw new Error(`${node.id}: unnamed delay ${String(delay)}`);
      names.set(eventType, delay);
    }
  }
  return names;
}

function invokeSource(node: AnyStateNode, src: unknown): string {
  if (typeof src !== 'string') throw new Error(`${node.id}: invoke without a named source`);
  return src;
}

/** The internal events that report how the actor invoked from `src` ended, by the id the machine gave it. */
export function actorEvents(machine: AnyStateMachine, src: string): { readonly done: string; readonly error: string } {
  for (const node of stateNodesOf(machine)) {
    const invoke = node.invoke.find((candidate) => candidate.src === src);
    if (invoke !== undefined) return { done: `${DONE}${invoke.id}`, error: `${ERROR}${invoke.id}` };
  }
  throw new Error(`${machine.id} invokes no ${src}`);
}

/** The internal event the timer of the delay named `delay` raises. */
export function timerEvent(machine: AnyStateMachine, delay: string): string {
  for (const [type, name] of delayNamesByEvent(machine)) if (name === delay) return type;
  throw new Error(`${machine.id} has no delay ${delay}`);
}

/** The `src` of every actor the machine invokes. */
function invokedSources(machine: AnyStateMachine): Set<string> {
  return new Set(stateNodesOf(machine).flatMap((node) => node.invoke.map((invoke) => invokeSource(node, invoke.src))));
}

const inertMachines = new WeakMap<GraphModel, AnyStateMachine>();

/** The machine with every actor it invokes replaced by an inert stub: the traversal only computes. */
function inertMachine(model: GraphModel): AnyStateMachine {
  let machine = inertMachines.get(model);
  if (machine === undefined) {
    const actors: Record<string, AnyActorLogic> = {};
    for (const src of invokedSources(model.machine)) actors[src] = fromCallback(() => {});
    machine = model.machine.provide({ actors });
    inertMachines.set(model, machine);
  }
  return machine;
}

/** The traversal's event list for `snapshot`: the model's events, then due timers and actor outcomes of the active state nodes. */
function eventsIn(model: GraphModel, snapshot: AnyMachineSnapshot): ModelEvent[] {
  const events: ModelEvent[] = [...model.events(snapshot)];
  for (const node of snapshot._nodes as AnyStateNode[]) {
    for (const type of new Set(node.after.map((after) => after.eventType))) events.push({ type });
    for (const invoke of node.invoke) {
      const outcomes = model.outcomes[invokeSource(node, invoke.src)]?.(snapshot);
      for (const output of outcomes?.done ?? []) events.push({ type: `${DONE}${invoke.id}`, output });
      for (const error of outcomes?.error ?? []) events.push({ type: `${ERROR}${invoke.id}`, error });
    }
  }
  return events;
}

function traversalOptions(model: GraphModel) {
  return {
    input: model.input,
    events: (snapshot: AnyMachineSnapshot) => eventsIn(model, snapshot),
    serializeState: (snapshot: AnyMachineSnapshot, event: ModelEvent | undefined, previous?: AnyMachineSnapshot) =>
      `${snapshot.status}|${model.serialize(snapshot, event, previous)}`,
  };
}

/** One shortest path to every vertex of the model's graph. */
export function shortestPaths(model: GraphModel): MachinePath[] {
  return getShortestPaths(inertMachine(model), traversalOptions(model)) as MachinePath[];
}

/**
 * One path through every edge of the graph, that is every event that takes some vertex to another
 * one: the shortest path to the edge's source, then the edge. Shortest paths to the vertices alone
 * leave out every edge into a vertex already reached another way (a failure from `open` landing
 * in a backoff first reached from `connecting`, an attempt count reset to where it started …).
 * Only for models whose vertices do not depend on the event that led to them.
 */
export function edgePaths(model: GraphModel): MachinePath[] {
  const options = traversalOptions(model);
  const vertexOf = (snapshot: AnyMachineSnapshot) => options.serializeState(snapshot, undefined, undefined);
  const adjacency = getAdjacencyMap(inertMachine(model), options) as AdjacencyMap<AnyMachineSnapshot, ModelEvent>;
  const toVertex = new Map(shortestPaths(model).map((path) => [vertexOf(path.state), path]));
  const paths: MachinePath[] = [];
  for (const [vertex, { transitions }] of Object.entries(adjacency)) {
    const head = toVertex.get(vertex);
    if (head === undefined) throw new Error(`no shortest path to ${vertex}`);
    for (const { event, state } of Object.values(transitions) as Array<{ event: ModelEvent; state: AnyMachineSnapshot }>) {
      if (vertexOf(state) === vertex) continue;
      paths.push({ state, steps: [...head.steps, { event, state }], weight: head.weight + 1 });
    }
  }
  return paths;
}

/** Every simple path (no vertex twice) from the initial vertex. */
export function simplePaths(model: GraphModel): MachinePath[] {
  return getSimplePaths(inertMachine(model), traversalOptions(model)) as MachinePath[];
}

/** The path a given sequence of events takes through the model's graph; each must be one the model offers. */
export function pathFromEvents(model: GraphModel, events: readonly ModelEvent[]): MachinePath {
  // `getPathsFromEvents` computes its own start without the traversal's `input` (a machine whose
  // context needs its input cannot start there): start it from the model's initial snapshot.
  const fromState = runnerOf(model).root.step.snapshot;
  const [path] = getPathsFromEvents(inertMachine(model), [...events], { ...traversalOptions(model), fromState }) as MachinePath[];
  if (path === undefined) throw new Error('no path for these events');
  return path;
}

/** The events a path sends, without the leading `xstate.init` step. */
export function eventsOf(path: MachinePath): ModelEvent[] {
  return path.steps.slice(1).map((step) => step.event);
}

/** A compact, readable path: `registry.changed {"fingerprint":1} → after debounce@flush.debouncing → …`. */
export function describePath(path: MachinePath): string {
  const events = eventsOf(path).map(describeEvent);
  return events.length === 0 ? '(initial)' : events.join(' → ');
}

export function describeEvent(event: ModelEvent): string {
  const { type, ...payload } = event;
  if (type.startsWith(AFTER)) {
    const [delay, ...node] = type.slice(AFTER.length).split('.');
    return `after ${delay}@${node.join('.')}`;
  }
  if (type.startsWith(DONE)) {
    const { output } = payload;
    return `done ${type.slice(DONE.length)}${output === undefined ? '' : ` ${JSON.stringify(output)}`}`;
  }
  if (type.startsWith(ERROR)) return `error ${type.slice(ERROR.length)} ${JSON.stringify(payload['error'])}`;
  return Object.keys(payload).length === 0 ? type : `${type} ${JSON.stringify(payload)}`;
}

// ---------------------------------------------------------------------------------------------
// Transitions of a definition, and which one a microstep took

export interface TransitionInfo {
  /** `<stateNodeId>:<eventType>:<index>`, eventless ones as `<stateNodeId>:always:<index>`. */
  readonly id: string;
  /** `flush.debouncing --after debounce [isInSync]--> flush.idle` */
  readonly label: string;
}

function triggerOf(transition: AnyTransitionDefinition): string {
  return transition.eventType === '' ? 'always' : transition.eventType;
}

function labelOf(transition: AnyTransitionDefinition): string {
  const { guard } = transition;
  const guardName = guard === undefined ? '' : typeof guard === 'string' ? ` [${guard}]` : ` [${(guard as { type?: string }).type ?? 'inline'}]`;
  const targets = transition.target?.map((target) => target.id).join(', ') ?? '(stays)';
  return `${transition.source.id} --${triggerOf(transition)}${guardName}--> ${targets}`;
}

/** Every transition in the definition: `on`, `after`, invoke `onDone` / `onError` (all in `node.transitions`) and `always`. */
export function transitionCatalog(machine: AnyStateMachine): TransitionInfo[] {
  const catalog: TransitionInfo[] = [];
  for (const node of stateNodesOf(machine)) {
    const all = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    for (const transition of all) catalog.push({ id: transitionId(transition), label: labelOf(transition) });
  }
  return catalog;
}

/** The catalog id of a transition definition (of the machine or of a `provide()`d copy of it). */
export function transitionId(transition: AnyTransitionDefinition): string {
  const { source } = transition;
  const siblings = transition.eventType === '' ? (source.always ?? []) : (source.transitions.get(transition.eventType) ?? []);
  const index = siblings.indexOf(transition);
  if (index < 0) throw new Error(`transition not found in its source: ${labelOf(transition)}`);
  return `${source.id}:${triggerOf(transition)}:${index}`;
}

// ---------------------------------------------------------------------------------------------
// The pure run a replay is checked against

export interface PureStep {
  readonly snapshot: AnyMachineSnapshot;
  readonly actions: ReadonlyArray<{ type: string; params: unknown }>;
}

type PureScope = Parameters<AnyStateMachine['transition']>[2];

/** A pure run shared by every path that starts with the same events (simple paths share long prefixes). */
interface RunNode {
  readonly step: PureStep;
  readonly next: Map<string, RunNode>;
}

interface PureRunner {
  readonly machine: AnyStateMachine;
  readonly scope: PureScope;
  readonly collect: (actions: PureStep['actions'][number][]) => void;
  readonly root: RunNode;
}

const runners = new WeakMap<GraphModel, PureRunner>();

function runnerOf(model: GraphModel): PureRunner {
  let runner = runners.get(model);
  if (runner !== undefined) return runner;
  const machine = inertMachine(model);
  // What xstate's `initialTransition` / `transition` do, with one scope instead of one per call.
  const self = createActor(machine, { input: model.input });
  let sink: PureStep['actions'][number][] = [];
  const scope = {
    self,
    system: self.system,
    id: '',
    sessionId: '',
    defer: () => {},
    emit: () => {},
    logger: () => {},
    stopChild: () => {},
    actionExecutor: (action: PureStep['actions'][number]) => void sink.push(action),
  } as unknown as PureScope;
  const collect = (actions: PureStep['actions'][number][]) => {
    sink = actions;
  };
  const actions: PureStep['actions'][number][] = [];
  collect(actions);
  const snapshot = machine.getInitialSnapshot(scope, model.input) as AnyMachineSnapshot;
  runner = { machine, scope, collect, root: { step: { snapshot, actions }, next: new Map() } };
  runners.set(model, runner);
  return runner;
}

/**
 * The path's events run through the machine's pure `transition` from the initial snapshot,
 * keeping the actions each step would execute. The path's own step snapshots cannot serve as
 * expectations: the traversal keeps one snapshot per vertex, so the counters left out of the
 * vertex may come from another route.
 */
export function pureRun(model: GraphModel, events: readonly ModelEvent[]): PureStep[] {
  const { machine, scope, collect, root } = runnerOf(model);
  let node = root;
  const steps: PureStep[] = [node.step];
  for (const event of events) {
    const key = JSON.stringify(event);
    let next = node.next.get(key);
    if (next === undefined) {
      const actions: PureStep['actions'][number][] = [];
      collect(actions);
      const snapshot = machine.transition(node.step.snapshot, event, scope) as AnyMachineSnapshot;
      next = { step: { snapshot, actions }, next: new Map() };
      node.next.set(key, next);
    }
    steps.push(next.step);
    node = next;
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Properties along paths

/** One step of a path: the event, the snapshots around it and the actions it executes (pure run). */
export interface PathStep {
  /** 1 for the first event. */
  readonly index: number;
  readonly event: ModelEvent;
  readonly before: AnyMachineSnapshot;
  readonly after: AnyMachineSnapshot;
  readonly actions: PureStep['actions'];
}

const pathSteps = new WeakMap<MachinePath, readonly PathStep[]>();

/** The steps of `path` (a path generated from `model`), computed once. */
export function stepsOf(model: GraphModel, path: MachinePath): readonly PathStep[] {
  let steps = pathSteps.get(path);
  if (steps === undefined) {
    const events = eventsOf(path);
    const run = pureRun(model, events);
    steps = events.map((event, i) => {
      const { snapshot, actions } = run[i + 1] as PureStep;
      return { index: i + 1, event, before: (run[i] as PureStep).snapshot, after: snapshot, actions };
    });
    pathSteps.set(path, steps);
  }
  return steps;
}

/** Whether `step` entered `state` (a state value path such as `'rateWaiting.acquiring'`). */
export function entered(step: PathStep, state: string): boolean {
  return step.after.matches(state) && !step.before.matches(state);
}

/** The index of the last element of `items` that satisfies `test`, or -1 (`findLastIndex` is ES2023). */
export function lastIndexWhere<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i] as T)) return i;
  return -1;
}

/** Whether `step` left `state`. */
export function left(step: PathStep, state: string): boolean {
  return step.before.matches(state) && !step.after.matches(state);
}

type StepTest = (step: PathStep, steps: readonly PathStep[]) => boolean;

export interface Violation {
  readonly steps: readonly PathStep[];
  /** The first step at which the property broke. */
  readonly hit: PathStep;
}

/** The paths on which `violates` holds for some step, each with its first such step. */
export function violations(paths: Iterable<readonly [GraphModel, MachinePath]>, violates: StepTest): Violation[] {
  const found: Violation[] = [];
  for (const [model, path] of paths) {
    const steps = stepsOf(model, path);
    const hit = steps.find((step) => violates(step, steps));
    if (hit !== undefined) found.push({ steps, hit });
  }
  return found;
}

/**
 * Asserts that `holds` is true at every step of every path where `applies` is, and that
 * `applies` was true somewhere: a property that never applied would pass without testing anything.
 * A failure lists the route to the first broken step of each path.
 */
export function assertAlong(paths: Iterable<readonly [GraphModel, MachinePath]>, applies: StepTest, holds: StepTest): void {
  let applied = 0;
  const broken = violations(paths, (step, steps) => {
    if (!applies(step, steps)) return false;
    applied += 1;
    return !holds(step, steps);
  });
  expect(broken.map(routeOf)).toEqual([]);
  expect(applied, 'steps the property applied to').toBeGreaterThan(0);
}

/** The events up to the violating step: `registry.changed {"fingerprint":1} → … → link.up`. */
export function routeOf({ steps, hit }: Violation): string {
  return steps
    .slice(0, hit.index)
    .map((step) => describeEvent(step.event))
    .join(' → ');
}

/** The shortest route among `found`, ties broken alphabetically so the witness is stable. */
export function witnessOf(found: readonly Violation[]): string | undefined {
  return found.map(routeOf).sort((a, b) => a.split(' → ').length - b.split(' → ').length || a.localeCompare(b))[0];
}

// ---------------------------------------------------------------------------------------------
// Time: a duration for every timer a path starts

/** Simulated milliseconds between two delayed transitions of a path. */
const TICK = 1_000;
/** The duration of a timer the path never lets fire: beyond any path's end. */
const NEVER = 1_000_000_000;

/**
 * Fixed delays are not enough here: in a parallel state (the connection's `open`) several timers
 * run at once, and a path may let them fire in any order. So every timer a path starts gets its
 * own duration, chosen so it fires exactly at the path's delayed step that takes it, every
 * delayed step being one `TICK` after the previous, and timers the path leaves pending never
 * fire. The clock then advances by exactly `TICK` per delayed step.
 *
 * Returns, per delay name, the durations in the order the machine resolves them.
 */
function planDelays(model: GraphModel, events: readonly ModelEvent[], run: readonly PureStep[]): Map<string, number[]> {
  const delayOf = delayNamesByEvent(model.machine);
  const plan = new Map<string, number[]>();
  const running = new Map<string, { readonly name: string; readonly index: number; readonly start: number }>();
  let now = 0;
  const schedule = (actions: PureStep['actions']) => {
    for (const { type, params } of actions) {
      if (type === 'xstate.raise') {
        const { event, id, delay } = params as { event: EventObject; id?: string; delay?: number };
        const name = delayOf.get(event.type);
        if (delay === undefined || name === undefined || id === undefined) continue;
        const durations = plan.get(name) ?? [];
        plan.set(name, durations);
        running.set(id, { name, index: durations.length, start: now });
        durations.push(NEVER);
      } else if (type === 'xstate.cancel') {
        running.delete((params as { sendId: string }).sendId);
      }
    }
  };
  schedule(run[0]?.actions ?? []);
  events.forEach((event, i) => {
    if (event.type.startsWith(AFTER)) {
      now += TICK;
      const timer = running.get(event.type);
      if (timer === undefined) throw new Error(`step ${i + 1}: no running timer raises ${event.type}`);
      running.delete(event.type);
      (plan.get(timer.name) as number[])[timer.index] = now - timer.start;
    }
    schedule(run[i + 1]?.actions ?? []);
  });
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Replay against a real actor

export interface Message {
  /** The receiving child's id. */
  readonly to: string;
  readonly event: EventObject;
}

export interface Started {
  /** The invoked child's id. */
  readonly id: string;
  readonly input: unknown;
}

export interface ReplayTrace {
  /** Catalog ids of the transitions the real actor took. */
  readonly covered: ReadonlySet<string>;
  /** The snapshots the actor was checked against, the initial one first. */
  readonly snapshots: readonly AnyMachineSnapshot[];
}

interface Pending {
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** What one replay's stubs and delays work with; found through the actor system they run in. */
interface Session {
  readonly pending: Map<string, Pending>;
  readonly received: Message[];
  readonly started: Started[];
  /** Planned timer durations per delay name, in the order the machine asks for them. */
  readonly plan: Map<string, number[]>;
}

const sessions = new WeakMap<ActorSystemOf, Session>();

function sessionOf(system: ActorSystemOf): Session {
  const session = sessions.get(system);
  if (session === undefined) throw new Error('stub actor outside a replay');
  return session;
}

const replayMachines = new WeakMap<GraphModel, AnyStateMachine>();

/**
 * The shipped machine with stub actors and planned delays, built once per model: the stubs and
 * delays look up the replay they serve by the actor system they run in.
 */
function replayMachine(model: GraphModel): AnyStateMachine {
  let machine = replayMachines.get(model);
  if (machine !== undefined) return machine;
  const actors: Record<string, AnyActorLogic> = {};
  for (const src of Object.keys(model.outcomes)) {
    actors[src] = fromPromise<unknown, unknown>(
      ({ input, self, signal, system }) =>
        new Promise((resolve, reject) => {
          const { pending, started } = sessionOf(system);
          const entry: Pending = { resolve, reject };
          started.push({ id: self.id, input });
          pending.set(self.id, entry);
          signal.addEventListener('abort', () => {
            if (pending.get(self.id) === entry) pending.delete(self.id);
          });
        }),
    );
  }
  for (const src of model.callbacks) {
    actors[src] = fromCallback<EventObject, unknown>(({ input, self, system, receive }) => {
      const { received, started } = sessionOf(system);
      started.push({ id: self.id, input });
      receive((event) => received.push({ to: self.id, event }));
    });
  }
  const unstubbed = [...invokedSources(model.machine)].filter((src) => !(src in actors));
  if (unstubbed.length > 0) throw new Error(`the model leaves these actors real: ${unstubbed.join(', ')}`);
  const delays: Record<string, (args: { system: ActorSystemOf }) => number> = {};
  for (const name of new Set(delayNamesByEvent(model.machine).values())) {
    delays[name] = ({ system }) => sessionOf(system).plan.get(name)?.shift() ?? NEVER;
  }
  machine = model.machine.provide({ actors, delays });
  replayMachines.set(model, machine);
  return machine;
}

function sentMessages(actions: PureStep['actions']): Message[] {
  return actions
    .filter((action) => action.type === 'xstate.sendTo')
    .map(({ params }) => {
      const { to, targetId, event } = params as { to: { id?: string } | string; targetId?: string; event: EventObject };
      return { to: targetId ?? (typeof to === 'string' ? to : (to.id ?? '?')), event };
    });
}

/** The children a step starts and keeps: one entered and left within the same step never runs. */
function startedChildren(step: PureStep): Started[] {
  const children = step.snapshot.children as Record<string, unknown>;
  return step.actions
    .filter((action) => action.type === 'xstate.spawnChild')
    .map(({ params }) => params as { input?: unknown; actorRef?: { id: string } })
    // The resolved id is the actor's: a spawn's `params.id` may be a function of the event.
    .filter(({ actorRef }) => actorRef !== undefined && children[actorRef.id] === actorRef)
    .map(({ actorRef, input }) => ({ id: actorRef!.id, input }));
}

/** Lets settled stub promises reach the actor: the promise actor reports back on a later microtask. */
async function settle(): Promise<void> {
  for (let tick = 0; tick < 3; tick++) await Promise.resolve();
}

/**
 * Drives `path` through a real actor of the shipped machine and checks, after every step, the
 * state value, the whole context, the running children, the inputs they were started with and
 * the events sent to them against the pure run.
 *
 * Steps are replayed the way they happen in production: `xstate.after.*` by advancing the
 * SimulatedClock, `xstate.done.actor.*` / `xstate.error.actor.*` by settling the stub the actor
 * invoked, anything else by `actor.send`.
 */
export async function replay(model: GraphModel, path: MachinePath): Promise<ReplayTrace> {
  const events = eventsOf(path);
  const run = pureRun(model, events);
  const session: Session = { pending: new Map(), received: [], started: [], plan: planDelays(model, events, run) };
  const covered = new Set<string>();
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep' || event.actorRef.sessionId !== event.rootId) return;
    for (const taken of event._transitions) covered.add(transitionId(taken));
  };
  const clock = new SimulatedClock();
  const actor = createActor(replayMachine(model), { clock, input: model.input, inspect });
  sessions.set(actor.system, session);

  const route = describePath(path);
  let seenMessages = 0;
  let seenStarts = 0;
  const check = (step: number) => {
    const last = events[step - 1];
    const where = () => `${route}\n  after step ${step}${last === undefined ? '' : ` (${describeEvent(last)})`}`;
    const expected = (run[step] as PureStep).snapshot;
    const actual = actor.getSnapshot() as AnyMachineSnapshot;
    const { started, received } = session;
    const actions = (run[step] as PureStep).actions;
    const observed = {
      // The pure run must land on the vertex the graph claims for this step.
      vertex: model.serialize(expected, last, run[step - 1]?.snapshot),
      status: actual.status,
      value: actual.value,
      context: actual.context,
      children: Object.keys(actual.children).sort(),
      started: started.slice(seenStarts),
      sent: received.slice(seenMessages),
    };
    const wanted = {
      vertex: model.serialize(path.steps[step]?.state as AnyMachineSnapshot, last, path.steps[step - 1]?.state),
      status: expected.status,
      value: expected.value,
      context: expected.context,
      children: Object.keys(expected.children).sort(),
      started: startedChildren(run[step] as PureStep),
      sent: sentMessages(actions),
    };
    if (!isDeepStrictEqual(observed, wanted)) expect(observed, where()).toEqual(wanted);
    seenStarts = started.length;
    seenMessages = received.length;
  };

  try {
    actor.start();
    check(0);
    for (const [i, event] of events.entries()) {
      if (event.type.startsWith(AFTER)) {
        clock.increment(TICK);
      } else if (event.type.startsWith(DONE) || event.type.startsWith(ERROR)) {
        const isDone = event.type.startsWith(DONE);
        const id = event.type.slice((isDone ? DONE : ERROR).length);
        const stub = session.pending.get(id);
        if (stub === undefined) throw new Error(`${route}\n  step ${i + 1}: no running actor ${id}`);
        if (isDone) stub.resolve(event['output']);
        else stub.reject(event['error']);
        await settle();
      } else {
        actor.send(event);
      }
      check(i + 1);
    }
  } finally {
    actor.stop();
  }
  return { covered, snapshots: run.map((step) => step.snapshot) };
}

/** Replays each path once, however many tests ask for it. */
export function replayCache(model: GraphModel): (path: MachinePath) => Promise<ReplayTrace> {
  const traces = new WeakMap<MachinePath, Promise<ReplayTrace>>();
  return (path) => {
    let trace = traces.get(path);
    if (trace === undefined) {
      trace = replay(model, path);
      traces.set(path, trace);
    }
    return trace;
  };
}

/**
 * Which transitions of the definition the traces took. `summary` is the line `npm run test:paths`
 * prints: `<machine id>: transitions covered: X/Y`.
 */
export function coverage(machine: AnyStateMachine, traces: readonly ReplayTrace[]) {
  const catalog = transitionCatalog(machine);
  const taken = new Set(traces.flatMap((trace) => [...trace.covered]));
  const uncovered = catalog.filter((transition) => !taken.has(transition.id)).map(({ id, label }) => `${id}  ${label}`);
  const covered = catalog.length - uncovered.length;
  return { catalog, uncovered, summary: `${machine.id}: transitions covered: ${covered}/${catalog.length}` };
}

/**
 * Registers one test per group of paths that end in the same state (one test per path would be
 * thousands), each replaying its paths against the real machine.
 */
export function replayGroupedByEnd(
  title: string,
  paths: readonly MachinePath[],
  endOf: (path: MachinePath) => string,
  replayOne: (path: MachinePath) => Promise<unknown>,
): void {
  describe(title, () => {
    const byEnd = new Map<string, MachinePath[]>();
    for (const path of paths) {
      const end = endOf(path);
      byEnd.set(end, [...(byEnd.get(end) ?? []), path]);
    }
    for (const [end, group] of byEnd) {
      it(`${group.length} paths ending in ${end}`, async () => {
        for (const path of group) await replayOne(path);
      });
    }
  });
}

/** Fails unless the traces take every transition of the definition; prints `transitions covered: X/Y`. */
export function expectEveryTransitionTaken(machine: AnyStateMachine, traces: readonly ReplayTrace[]): void {
  const { uncovered, summary, catalog } = coverage(machine, traces);
  console.log(summary);
  expect(catalog.length).toBeGreaterThan(0);
  expect(uncovered, summary).toEqual([]);
}
