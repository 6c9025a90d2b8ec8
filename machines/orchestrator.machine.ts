import { sendTo, setup } from 'xstate';
import type { ConnectionKind } from '../src/protocol/upbit/types.js';
import { connectionMachine, type ConnectionEvent } from './connection.machine.js';
import { NOTHING } from './flush.machine.js';

/**
 * The root of the actor tree: one connection actor per socket kind, each with its flush.
 * The registry tells it what changed; it hands the change to the connection that carries it.
 * The shared connection gate lives in the actors it provides to both connections, so the
 * whole system is one inspectable tree: orchestrator → connection (public | private) → flush.
 */

export interface OrchestratorInput {
  /** The registry's fingerprint of an empty desired state. @default 0 */
  readonly empty?: number;
}

export type OrchestratorEvent =
  | { type: 'registry.changed'; kind: ConnectionKind; fingerprint: number }
  /** Retry a connection that stopped on refused credentials. */
  | { type: 'connection.retry'; kind: ConnectionKind };

function toConnection(event: OrchestratorEvent): ConnectionEvent {
  return event.type === 'registry.changed'
    ? { type: 'registry.changed', fingerprint: event.fingerprint }
    : { type: 'connection.retry' };
}

export const orchestratorMachine = setup({
  types: {
    context: {} as { readonly empty: number },
    events: {} as OrchestratorEvent,
    input: {} as OrchestratorInput,
  },
  // One source per socket so each can be given its own link (and the private one its credentials).
  actors: {
    publicConnection: connectionMachine,
    privateConnection: connectionMachine,
  },
  actions: {
    forwardToPublic: sendTo('public', ({ event }) => toConnection(event)),
    forwardToPrivate: sendTo('private', ({ event }) => toConnection(event)),
  },
  guards: {
    isForPublic: ({ event }) => event.kind === 'public',
  },
}).createMachine({
  id: 'orchestrator',
  description:
    'The root of the actor tree: invokes the public and the private connection and hands each registry change to the connection that carries it.',
  context: ({ input }) => ({ empty: input?.empty ?? NOTHING }),
  invoke: [
    { id: 'public', src: 'publicConnection', input: ({ context }) => ({ kind: 'public' as const, empty: context.empty }) },
    { id: 'private', src: 'privateConnection', input: ({ context }) => ({ kind: 'private' as const, empty: context.empty }) },
  ],
  initial: 'running',
  states: {
    running: {
      description: 'Forwards `registry.changed` and `connection.retry` to the connection of their kind.',
      on: {
        'registry.changed': [{ guard: 'isForPublic', actions: 'forwardToPublic' }, { actions: 'forwardToPrivate' }],
        'connection.retry': [{ guard: 'isForPublic', actions: 'forwardToPublic' }, { actions: 'forwardToPrivate' }],
      },
    },
  },
});

export type OrchestratorMachine = typeof orchestratorMachine;
