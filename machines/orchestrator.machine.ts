import { assign, sendTo, setup, spawnChild, stopChild, type ActorRefFrom, type SnapshotFrom } from 'xstate';
import type { ConnectionId, PublicShardId } from '../src/protocol/upbit/types.js';
import { connectionMachine, type ConnectionEvent, type ConnectionMachine, type ConnectionSnapshot } from './connection.machine.js';
import type { RegistryChangedEvent } from './flush.machine.js';

/**
 * The root of the actor tree: one connection actor per socket, each with its flush.
 * The private connection and the first public one (`'public'`) run from the start; the other
 * shards of the public pool (`'public-2'`, `'public-3'`, …) are spawned the first time the
 * registry names them and stopped once their connection has closed with nothing left to carry.
 * The registry tells it what changed; it hands the change to the connection that carries it.
 * The shared connection gate lives in the actors it provides, so the whole system is one
 * inspectable tree: orchestrator → connection (public | public-N | private) → flush.
 */

export interface OrchestratorInput {
  /** Whether each flush sends a change at once when it is idle on an open link. @default true */
  readonly leadingEdge?: boolean;
}

export interface OrchestratorContext {
  readonly leadingEdge: boolean | undefined;
  /** The public shards spawned after the first, in spawn order; bounded by `pool.publicConnections`. */
  readonly shards: readonly PublicShardId[];
}

export type OrchestratorEvent =
  | (RegistryChangedEvent & { readonly connection: ConnectionId })
  /** Retry a connection that stopped on refused credentials, or resend a refused request. */
  | { type: 'connection.retry'; connection: ConnectionId }
  /** A spawned shard's connection closed and its shard is empty: stop its actor. */
  | { type: 'connection.release'; connection: ConnectionId };

/** The connections that run for the orchestrator's whole life. */
const FIXED: readonly ConnectionId[] = ['public', 'private'];

function isSpawnedShard(context: OrchestratorContext, connection: ConnectionId): boolean {
  return (context.shards as readonly ConnectionId[]).includes(connection);
}

export const orchestratorMachine = setup({
  types: {
    context: {} as OrchestratorContext,
    events: {} as OrchestratorEvent,
    input: {} as OrchestratorInput,
  },
  // One source per socket kind so each can be given its own I/O (and the private one its
  // credentials); every public shard runs the one public source, told its id in its input.
  actors: {
    publicConnection: connectionMachine,
    privateConnection: connectionMachine,
  },
  guards: {
    runsConnection: ({ context, event }) => FIXED.includes(event.connection) || isSpawnedShard(context, event.connection),
    isSpawnedShard: ({ context, event }) => isSpawnedShard(context, event.connection),
  },
  actions: {
    forwardToConnection: sendTo(
      ({ event }) => event.connection,
      ({ event }): ConnectionEvent =>
        event.type === 'registry.changed'
          ? { type: 'registry.changed', fingerprint: event.fingerprint, changes: event.changes }
          : { type: 'connection.retry' },
    ),
    spawnShard: spawnChild('publicConnection', {
      id: ({ event }) => event.connection,
      input: ({ context, event }) => ({ kind: 'public' as const, connection: event.connection, leadingEdge: context.leadingEdge }),
    }),
    rememberShard: assign({ shards: ({ context, event }) => [...context.shards, event.connection as PublicShardId] }),
    stopShard: stopChild(({ event }) => event.connection),
    forgetShard: assign({ shards: ({ context, event }) => context.shards.filter((shard) => shard !== event.connection) }),
  },
}).createMachine({
  id: 'orchestrator',
  description:
    'The root of the actor tree: invokes the private and the first public connection, spawns and stops the other public shards, and hands each registry change to the connection that carries it.',
  context: ({ input }) => ({ leadingEdge: input?.leadingEdge, shards: [] }),
  invoke: [
    {
      id: 'public',
      src: 'publicConnection',
      input: ({ context }) => ({ kind: 'public' as const, connection: 'public' as const, leadingEdge: context.leadingEdge }),
    },
    {
      id: 'private',
      src: 'privateConnection',
      input: ({ context }) => ({ kind: 'private' as const, connection: 'private' as const, leadingEdge: context.leadingEdge }),
    },
  ],
  initial: 'running',
  states: {
    running: {
      description: 'Forwards `registry.changed` and `connection.retry` to the connection they name, spawning a shard the registry names for the first time.',
      on: {
        'registry.changed': [
          { guard: 'runsConnection', actions: 'forwardToConnection' },
          {
            actions: ['spawnShard', 'rememberShard', 'forwardToConnection'],
            description: 'A shard the registry names for the first time: its connection actor is spawned, then told.',
          },
        ],
        'connection.retry': { guard: 'runsConnection', actions: 'forwardToConnection' },
        'connection.release': {
          guard: 'isSpawnedShard',
          actions: ['stopShard', 'forgetShard'],
          description: 'A spawned shard closed with nothing to carry: its actor stops (its id may be spawned again).',
        },
      },
    },
  },
});

export type OrchestratorMachine = typeof orchestratorMachine;
export type OrchestratorSnapshot = SnapshotFrom<OrchestratorMachine>;

/** The snapshot of connection `connection` (a kind, or a shard id), if it runs. */
export function connectionOf(snapshot: OrchestratorSnapshot, connection: ConnectionId): ConnectionSnapshot | undefined {
  return connectionRefOf(snapshot, connection)?.getSnapshot();
}

/** The running actor of connection `connection` (shards are spawned under their id), if any. */
export function connectionRefOf(snapshot: OrchestratorSnapshot, connection: ConnectionId): ActorRefFrom<ConnectionMachine> | undefined {
  return (snapshot.children as Record<string, ActorRefFrom<ConnectionMachine> | undefined>)[connection];
}
