/**
 * The paths of a chart: xstate/graph traverses the machine's pure transition over the events a
 * caller's model names, and over the timers and invoked-actor outcomes its active states allow.
 *
 * XState's `createTestModel` refuses machines with `after` or `invoke`; here a delayed
 * transition is reached by its `xstate.after.<delay>.<stateNodeId>` event and an invoked actor's
 * result by `xstate.done.actor.<id>` / `xstate.error.actor.<id>`, all read from the definition.
 */
import { fromCallback, initialTransition, type AnyActorLogic, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { getAdjacencyMap, getPathsFromEvents, getShortestPaths, getSimplePaths, type AdjacencyMap, type StatePath } from 'xstate/graph';
import { activeNodes, AFTER, DONE, ERROR, invocationsOf, TestingError } from './definition.js';

/** An event of the traversal: a type plus a payload from the model's small domain. */
export type ModelEvent = EventObject & Readonly<Record<string, unknown>>;
export type MachinePath = StatePath<AnyMachineSnapshot, ModelEvent>;

/** What an invoked promise actor may settle with. */
export interface Outcomes {
  readonly done?: readonly unknown[];
  readonly error?: readonly unknown[];
}

/**
 * How the outside world may drive a machine: the caller's side of its contract. The kit reads
 * everything else (states, timers, invoked actors) from the machine's definition.
 */
export interface PathModel {
  /** The machine under test, as it ships (the caller's actors are provided at replay). */
  readonly machine: AnyStateMachine;
  readonly input?: unknown;
  /** The events the outside world can send in `snapshot`, payloads drawn from a small domain. */
  readonly events: (snapshot: AnyMachineSnapshot) => readonly ModelEvent[];
  /**
   * What each invoked promise actor, by `src`, may settle with while the machine is in
   * `snapshot`. Invoked sources not named here are callback actors (or machines) that only
   * receive events: at replay the kit stands in for them with a recorder unless provided.
   */
  readonly outcomes: Readonly<Record<string, (snapshot: AnyMachineSnapshot) => Outcomes>>;
  /**
   * A snapshot's vertex in the graph: the state value and the context fields that steer the
   * machine. Monotone counters stay out, or the graph never closes. `event` is the one that led
   * here, for models whose vertices are told apart by it.
   */
  readonly serialize: (snapshot: AnyMachineSnapshot, event?: ModelEvent) => string;
}

const inertMachines = new WeakMap<AnyStateMachine, AnyStateMachine>();

/** The machine with every invoked actor inert: the traversal only computes. */
function inertMachine(machine: AnyStateMachine): AnyStateMachine {
  let inert = inertMachines.get(machine);
  if (inert === undefined) {
    const actors: Record<string, AnyActorLogic> = {};
    for (const { src } of invocationsOf(machine)) actors[src] = fromCallback(() => {});
    inert = machine.provide({ actors });
    inertMachines.set(machine, inert);
  }
  return inert;
}

/** The traversal's events in `snapshot`: the model's, then due timers and actor outcomes of the active state nodes. */
function eventsIn(model: PathModel, snapshot: AnyMachineSnapshot): ModelEvent[] {
  const events: ModelEvent[] = [...model.events(snapshot)];
  for (const node of activeNodes(snapshot.machine, snapshot)) {
    for (const type of new Set(node.after.map((after) => after.eventType))) events.push({ type });
    for (const invoke of node.invoke) {
      const outcomes = model.outcomes[invoke.src as string]?.(snapshot);
      for (const output of outcomes?.done ?? []) events.push({ type: `${DONE}${invoke.id}`, output });
      for (const error of outcomes?.error ?? []) events.push({ type: `${ERROR}${invoke.id}`, error });
    }
  }
  return events;
}

function traversalOptions(model: PathModel) {
  return {
    input: model.input,
    events: (snapshot: AnyMachineSnapshot) => eventsIn(model, snapshot),
    serializeState: (snapshot: AnyMachineSnapshot, event: ModelEvent | undefined) => `${snapshot.status}|${model.serialize(snapshot, event)}`,
  };
}

function checked(model: PathModel): PathModel {
  const sources = new Set(invocationsOf(model.machine).map(({ src }) => src));
  for (const src of Object.keys(model.outcomes)) {
    if (!sources.has(src)) throw new TestingError(`the model gives outcomes for ${src}, which ${model.machine.id} does not invoke`);
  }
  return model;
}

/** One shortest path to every vertex of the model's graph. */
export function shortestPaths(model: PathModel): MachinePath[] {
  return getShortestPaths(inertMachine(checked(model).machine), traversalOptions(model)) as MachinePath[];
}

/** Every simple path (no vertex twice) from the initial vertex. They multiply fast: keep the model's domain small. */
export function simplePaths(model: PathModel): MachinePath[] {
  return getSimplePaths(inertMachine(checked(model).machine), traversalOptions(model)) as MachinePath[];
}

/**
 * One path through every edge of the graph, that is every event that takes some vertex to
 * another: the shortest path to the edge's source, then the edge. Shortest paths to the vertices
 * alone leave out every edge into a vertex already reached another way.
 */
export function edgePaths(model: PathModel): MachinePath[] {
  const options = traversalOptions(model);
  const vertexOf = (snapshot: AnyMachineSnapshot) => options.serializeState(snapshot, undefined);
  const adjacency = getAdjacencyMap(inertMachine(checked(model).machine), options) as AdjacencyMap<AnyMachineSnapshot, ModelEvent>;
  const toVertex = new Map(shortestPaths(model).map((path) => [vertexOf(path.state), path]));
  const paths: MachinePath[] = [];
  for (const [vertex, { transitions }] of Object.entries(adjacency)) {
    const head = toVertex.get(vertex);
    if (head === undefined) continue;
    for (const { event, state } of Object.values(transitions) as Array<{ event: ModelEvent; state: AnyMachineSnapshot }>) {
      if (vertexOf(state) === vertex) continue;
      paths.push({ state, steps: [...head.steps, { event, state }], weight: head.weight + 1 });
    }
  }
  return paths;
}

/** The path a given sequence of events takes through the model's graph; each must be one the model offers there. */
export function pathFromEvents(model: PathModel, events: readonly ModelEvent[]): MachinePath {
  const machine = inertMachine(checked(model).machine);
  const refused = () => new TestingError(`the model offers no path for ${events.map(describeEvent).join(' → ')}`);
  let paths: MachinePath[];
  try {
    paths = getPathsFromEvents(machine, [...events], {
      ...traversalOptions(model),
      // getPathsFromEvents would start without the model's input.
      fromState: initialTransition(machine, model.input as never)[0] as AnyMachineSnapshot,
    }) as MachinePath[];
  } catch {
    // xstate/graph fails on an event the model does not offer where it is sent.
    throw refused();
  }
  const [path] = paths;
  if (path === undefined || path.steps.length !== events.length + 1) throw refused();
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

export function describeEvent(event: EventObject): string {
  const { type, ...payload } = event as ModelEvent;
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
