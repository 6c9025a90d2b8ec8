/**
 * Which transitions of a definition a run took, read through public API only.
 *
 * The catalog is the definition's own: every `on`, `after`, invoke `onDone`/`onError` (all in
 * `stateNode.transitions`) and `always` transition. Which one a microstep took is not public
 * (`@xstate.microstep` inspection events carry it only in a private field), so it is derived the
 * way XState selects it: for each active atomic state node, in document order, the first
 * transition of that node or of an ancestor whose event matches and whose guard passes on the
 * snapshot before the microstep. The inspected snapshot after the microstep must then have the
 * transition's targets active, or the derivation says so instead of guessing.
 */
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode, AnyTransitionDefinition, EventObject } from 'xstate';
import { activeNodes, isActive, stateNodesOf } from './definition.js';

export interface TransitionInfo {
  /** `<stateNodeId>:<eventType>:<index>`, eventless ones as `<stateNodeId>:always:<index>`. */
  readonly id: string;
  /** `flush.debouncing --xstate.after.debounce.flush.debouncing [isInSync]--> flush.idle` */
  readonly label: string;
}

function triggerOf(transition: AnyTransitionDefinition): string {
  return transition.eventType === '' ? 'always' : transition.eventType;
}

function guardName(guard: unknown): string {
  if (guard === undefined) return '';
  if (typeof guard === 'string') return ` [${guard}]`;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return ` [${String((guard as { type: unknown }).type)}]`;
  return ' [inline]';
}

function labelOf(transition: AnyTransitionDefinition): string {
  const targets = transition.target?.map((target) => target.id).join(', ') ?? '(stays)';
  return `${transition.source.id} --${triggerOf(transition)}${guardName(transition.guard)}--> ${targets}`;
}

function ownTransitions(node: AnyStateNode): AnyTransitionDefinition[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
}

/** The catalog id of a transition definition (of the machine or of a `provide()`d copy of it). */
export function transitionId(transition: AnyTransitionDefinition): string {
  const { source } = transition;
  const siblings = transition.eventType === '' ? (source.always ?? []) : (source.transitions.get(transition.eventType) ?? []);
  return `${source.id}:${triggerOf(transition)}:${siblings.indexOf(transition)}`;
}

/** Every transition in the definition. */
export function transitionCatalog(machine: AnyStateMachine): TransitionInfo[] {
  return stateNodesOf(machine).flatMap((node) => ownTransitions(node).map((transition) => ({ id: transitionId(transition), label: labelOf(transition) })));
}

/** The transitions of `node` that `eventType` can take, exact matches first, then wildcards by length (XState's order). */
function candidates(node: AnyStateNode, eventType: string): AnyTransitionDefinition[] {
  const exact = node.transitions.get(eventType);
  if (exact !== undefined) return exact;
  return [...node.transitions.keys()]
    .filter((descriptor) => {
      if (descriptor === '*') return true;
      if (!descriptor.endsWith('.*')) return false;
      const prefix = descriptor.slice(0, -1);
      return eventType.startsWith(prefix);
    })
    .sort((a, b) => b.length - a.length)
    .flatMap((descriptor) => node.transitions.get(descriptor) ?? []);
}

interface BuiltinGuard {
  check: (snapshot: AnyMachineSnapshot, args: { context: unknown; event: EventObject }, guard: unknown) => boolean;
}

/** Whether `guard` passes on `snapshot` for `event`, resolved against the machine's own guard implementations. */
function passes(guard: unknown, snapshot: AnyMachineSnapshot, event: EventObject): boolean {
  if (guard === undefined) return true;
  const args = { context: snapshot.context, event };
  const named = typeof guard === 'string' ? guard : typeof guard === 'object' && guard !== null ? (guard as { type: string }).type : undefined;
  const resolved: unknown = named === undefined ? guard : (snapshot.machine.implementations.guards as Record<string, unknown>)[named];
  if (resolved === undefined) throw new Error(`guard ${named} is not implemented`);
  if (typeof resolved !== 'function') return passes(resolved, snapshot, event);
  // and(), or(), not(), stateIn(): the predicate XState itself calls for them.
  if ('check' in resolved) return (resolved as unknown as BuiltinGuard).check(snapshot, args, resolved);
  const params = typeof guard === 'object' && guard !== null && 'params' in guard ? (guard as { params: unknown }).params : undefined;
  return (resolved as (a: typeof args, p: unknown) => boolean)(args, typeof params === 'function' ? params(args) : params);
}

/** The transitions XState selects in `before` for `event` (or, with `eventless`, its `always` transitions). */
function selected(before: AnyMachineSnapshot, event: EventObject, eventless: boolean): AnyTransitionDefinition[] {
  const active = activeNodes(before.machine, before);
  const atomic = active.filter((node) => node.type === 'atomic' || node.type === 'final');
  const chosen: AnyTransitionDefinition[] = [];
  for (const leaf of atomic) {
    for (let node: AnyStateNode | undefined = leaf; node !== undefined; node = node.parent) {
      const options = eventless ? (node.always ?? []) : candidates(node, event.type);
      const taken = options.find((transition) => passes(transition.guard, before, event));
      if (taken !== undefined) {
        if (!chosen.includes(taken)) chosen.push(taken);
        break;
      }
    }
  }
  return chosen;
}

/** Whether every target of `transitions` is active in `after`. */
function landed(transitions: readonly AnyTransitionDefinition[], after: AnyMachineSnapshot): boolean {
  return transitions.every((transition) => (transition.target ?? []).every((target) => isActive(after, target)));
}

/**
 * The catalog ids of the transitions one microstep took, from the snapshot before it, the event
 * it processed and the snapshot it produced. `first` says whether this is the first microstep of
 * the event (eventful); later ones are eventless.
 */
export function takenIn(before: AnyMachineSnapshot, event: EventObject, after: AnyMachineSnapshot, first: boolean): string[] {
  if (first) {
    const eventful = selected(before, event, false);
    if (eventful.length > 0 && landed(eventful, after)) return eventful.map(transitionId);
  }
  const eventless = selected(before, event, true);
  if (eventless.length > 0 && landed(eventless, after)) return eventless.map(transitionId);
  throw new Error(
    `cannot tell which transition took ${JSON.stringify(before.value)} to ${JSON.stringify(after.value)} on ${event.type}: a guard that reads something other than context and event?`,
  );
}

export interface Coverage {
  readonly covered: number;
  readonly total: number;
  /** `<machine id>: transitions covered: X/Y`, the line `npm run test:paths` prints. */
  readonly summary: string;
  /** `id  label` of every transition no run took. */
  readonly uncovered: readonly string[];
}

/** Which transitions of `machine`'s definition the runs took, by catalog id. */
export function coverage(machine: AnyStateMachine, taken: Iterable<string>): Coverage {
  const catalog = transitionCatalog(machine);
  const seen = new Set(taken);
  const uncovered = catalog.filter((transition) => !seen.has(transition.id)).map(({ id, label }) => `${id}  ${label}`);
  const covered = catalog.length - uncovered.length;
  return { covered, total: catalog.length, uncovered, summary: `${machine.id}: transitions covered: ${covered}/${catalog.length}` };
}
