import { sendTo, setup, type SnapshotFrom } from 'xstate';
import type { ConnectionKind } from '../src/protocol/upbit/types.js';
import { connectionMachine, type ConnectionEvent, type ConnectionSnapshot } from './connection.machine.js';

/**
 * The root of the actor tree: one connection actor per socket kind, each with its flush.
 * The registry tells it what changed; it hands the change to the connection that carries it.
 * The shared connection gate lives in the actors it provides to both connections, so the
 * whole system is one inspectable tree: orchestrator → connection (public | private) → flush.
 */

export interface OrchestratorInput {
  /** Whether each flush sends a change at once when it is idle on an open link. @default true */
  readonly leadingEdge?: boolean;
}

export type OrchestratorEvent =
  | { type: 'registry.changed'; kind: ConnectionKind; fingerprint: number }
  /** Retry a connection that stopped on refused credentials, or resend a refused request. */
  | { type: 'connection.retry'; kind: ConnectionKind };

export const orchestratorMachine = setup({
  types: {
    context: {} as { readonly leadingEdge: boolean | undefined },
    events: {} as OrchestratorEvent,
    input: {} as OrchestratorInput,
    children: {} as { public: 'publicConnection'; private: 'privateConnection' },
  },
  // One source per socket so each can be given its own link (and the private one its credentials).
  actors: {
    publicConnection: connectionMachine,
    privateConnection: connectionMachine,
  },
  actions: {
    forwardToConnection: sendTo(
      ({ event }) => event.kind,
      ({ event }): ConnectionEvent =>
        event.type === 'registry.changed' ? { type: 'registry.changed', fingerprint: event.fingerprint } : { type: 'connection.retry' },
    ),
  },
}).createMachine({
  id: 'orchestrator',
  description:
    'The root of the actor tree: invokes the public and the private connection and hands each registry change to the connection that carries it.',
  context: ({ input }) => ({ leadingEdge: input?.leadingEdge }),
  invoke: [
    {
      id: 'public',
      src: 'publicConnection',
      input: ({ context }) => ({ kind: 'public' as const, leadingEdge: context.leadingEdge }),
    },
    {
      id: 'private',
      src: 'privateConnection',
      input: ({ context }) => ({ kind: 'private' as const, leadingEdge: context.leadingEdge }),
    },
  ],
  initial: 'running',
  states: {
    running: {
      description: 'Forwards `registry.changed` and `connection.retry` to the connection of their kind.',
      on: {
        'registry.changed': { actions: 'forwardToConnection' },
        'connection.retry': { actions: 'forwardToConnection' },
      },
    },
  },
});

export type OrchestratorMachine = typeof orchestratorMachine;
export type OrchestratorSnapshot = SnapshotFrom<OrchestratorMachine>;

/** The snapshot of the connection of `kind`, if it runs. */
export function connectionOf(snapshot: OrchestratorSnapshot, kind: ConnectionKind): ConnectionSnapshot | undefined {
  return snapshot.children[kind]?.getSnapshot();
}
