import type { AnyStateMachine } from 'xstate';
import { activeNodes, stateNodesOf } from './definition.js';
import type { PathStep } from './replay.js';

function declaresTag(machine: AnyStateMachine, tag: string): boolean {
  return stateNodesOf(machine).some((node) => node.tags.includes(tag));
}

/**
 * Whether the machine has come to rest after `step`: in a state it declares `settled` if its
 * definition has that tag, otherwise with no invoked promise actor running and no timer pending
 * (no active state node waits on a delay). Read from the definition, never from state names.
 */
export function atRest(step: PathStep): boolean {
  const { machine } = step.after;
  if (declaresTag(machine, 'settled')) return step.after.hasTag('settled');
  return step.running.length === 0 && activeNodes(machine, step.after).every((node) => node.after.length === 0);
}
