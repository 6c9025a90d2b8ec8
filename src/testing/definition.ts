/**
 * What a machine's definition says, read through XState's public API only: its state nodes,
 * the delays and invoked sources of each, which nodes a snapshot has active, and the internal
 * event types that report a timer or an invoked actor (`xstate.after.*`, `xstate.done.actor.*`,
 * `xstate.error.actor.*`, the documented names of those events).
 */
import { pathToStateValue, type AnyMachineSnapshot, type AnyStateMachine, type AnyStateNode } from 'xstate';
import { UpstateError } from '../errors.js';

export const AFTER = 'xstate.after.';
export const DONE = 'xstate.done.actor.';
export const ERROR = 'xstate.error.actor.';

/** Every state node of `machine` in document order, the root first. */
export function stateNodesOf(machine: AnyStateMachine): readonly AnyStateNode[] {
  const known = nodesByMachine.get(machine);
  if (known !== undefined) return known;
  const nodes: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    nodes.push(node);
    for (const child of Object.values(node.states) as AnyStateNode[]) walk(child);
  };
  walk(machine.root);
  nodesByMachine.set(machine, nodes);
  return nodes;
}

const nodesByMachine = new WeakMap<AnyStateMachine, readonly AnyStateNode[]>();
const delaysByMachine = new WeakMap<AnyStateMachine, ReadonlyMap<string, string>>();

/** Whether `node` is active in `snapshot` (the root always is). */
export function isActive(snapshot: AnyMachineSnapshot, node: AnyStateNode): boolean {
  return node.path.length === 0 || snapshot.matches(pathToStateValue(node.path) as never);
}

/** The active state nodes of `snapshot`, in document order. */
export function activeNodes(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): AnyStateNode[] {
  return stateNodesOf(machine).filter((node) => isActive(snapshot, node));
}

/** A misuse of the testing kit: a model or a provision that cannot work. Nothing was run. */
export class TestingError extends UpstateError {
  override name = 'TestingError';
  constructor(message: string) {
    super('ERR_OPTION', message);
  }
}

/** Delay names by the event type their timer raises. Every delay of a machine the kit drives is named. */
export function delaysByEvent(machine: AnyStateMachine): ReadonlyMap<string, string> {
  const known = delaysByMachine.get(machine);
  if (known !== undefined) return known;
  const names = new Map<string, string>();
  for (const node of stateNodesOf(machine)) {
    for (const { eventType, delay } of node.after) {
      if (typeof delay !== 'string') {
        throw new TestingError(`${node.id}: the delay ${String(delay)} has no name; name it in setup({ delays }) so a path can time it`);
      }
      names.set(eventType, delay);
    }
  }
  delaysByMachine.set(machine, names);
  return names;
}

/** The event types the timers of the delay named `delay` raise (one per state node that waits on it). */
export function eventsOfDelay(machine: AnyStateMachine, delay: string): string[] {
  return [...delaysByEvent(machine)].filter(([, name]) => name === delay).map(([type]) => type);
}

/** The internal event type the timer of the delay named `delay` raises (the first state node waiting on it). */
export function timerEvent(machine: AnyStateMachine, delay: string): string {
  const [type] = eventsOfDelay(machine, delay);
  if (type === undefined) throw new TestingError(`${machine.id} has no delay named ${delay}`);
  return type;
}

export interface Invocation {
  /** The id the machine gives the invoked actor (`0.flush.sending` when the chart names none). */
  readonly id: string;
  readonly src: string;
  readonly node: AnyStateNode;
}

/** Every actor the machine invokes, in document order. */
export function invocationsOf(machine: AnyStateMachine): Invocation[] {
  return stateNodesOf(machine).flatMap((node) =>
    node.invoke.map((invoke) => {
      if (typeof invoke.src !== 'string') throw new TestingError(`${node.id}: an invoked actor without a named source; name it in setup({ actors })`);
      return { id: invoke.id, src: invoke.src, node };
    }),
  );
}

/** The events that report how the actor invoked from `src` ended. */
export function actorEvents(machine: AnyStateMachine, src: string): { readonly done: string; readonly error: string } {
  const invocation = invocationsOf(machine).find((candidate) => candidate.src === src);
  if (invocation === undefined) throw new TestingError(`${machine.id} invokes no ${src}`);
  return { done: `${DONE}${invocation.id}`, error: `${ERROR}${invocation.id}` };
}
