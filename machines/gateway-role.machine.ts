import { assign, fromCallback, fromPromise, setup } from 'xstate';

/**
 * The role of one fleet gateway among several on the same NATS prefix:
 * electing → active | standby; standby → electing (every `retryMs`); active → deposed when the
 * lease is lost (taken by another, or not renewed within its term); deposed → electing.
 *
 * Only `active` may hold Upbit connections and publish. The chart only decides; the lease I/O is
 * in the `claimLease` and `holdLease` actors, which the gateway provides.
 */

/** Every role, in the order the metrics list them (`upstate_gateway_role{role=…}`). */
export const GATEWAY_ROLES = ['electing', 'standby', 'active', 'deposed'] as const;
export type GatewayRole = (typeof GATEWAY_ROLES)[number];

export interface GatewayRoleContext {
  /** The epoch of the lease held now or last: 0 before any. */
  readonly epoch: number;
  /** The revision to renew (while active). */
  readonly revision: number;
  /** Until when this gateway may publish (ms since the epoch of the clock); 0 when not active. */
  readonly validUntil: number;
  /** Why the last lease was lost. */
  readonly lostBecause: string | undefined;
}

export type ClaimResult = { readonly epoch: number; readonly revision: number; readonly validUntil: number } | undefined;

export interface HoldInput {
  readonly revision: number;
  readonly validUntil: number;
}

export type GatewayRoleEvent =
  | { type: 'lease.renewed'; revision: number; validUntil: number }
  | { type: 'lease.lost'; reason: string };

export const gatewayRoleMachine = setup({
  types: {
    context: {} as GatewayRoleContext,
    events: {} as GatewayRoleEvent,
  },
  actors: {
    /** Tries the atomic create once. Provided by the gateway. */
    claimLease: fromPromise<ClaimResult>(async () => undefined),
    /** Renews the lease until it is lost; sends `lease.renewed` / `lease.lost`. Provided by the gateway. */
    holdLease: fromCallback<GatewayRoleEvent, HoldInput>(() => () => {}),
  },
  guards: {
    claimWon: ({ event }) => (event as unknown as { output: ClaimResult }).output !== undefined,
  },
  actions: {
    adoptLease: assign(({ event }) => {
      const won = (event as unknown as { output: NonNullable<ClaimResult> }).output;
      return { epoch: won.epoch, revision: won.revision, validUntil: won.validUntil, lostBecause: undefined };
    }),
    extendLease: assign(({ event }) => {
      const renewed = event as Extract<GatewayRoleEvent, { type: 'lease.renewed' }>;
      return { revision: renewed.revision, validUntil: renewed.validUntil };
    }),
    recordLoss: assign(({ event }) => ({ validUntil: 0, lostBecause: (event as Extract<GatewayRoleEvent, { type: 'lease.lost' }>).reason })),
    forgetLease: assign({ validUntil: 0 }),
  },
  delays: {
    /** How often a standby tries to claim the lease. Provided by the gateway. */
    claimRetry: 500,
    /** How long a deposed gateway waits before it stands for election again. */
    stepDownPause: 500,
  },
}).createMachine({
  id: 'gatewayRole',
  description: 'The role of one fleet gateway among those of its NATS prefix, elected through a lease in JetStream KV (see fleet.md). Only `active` holds Upbit connections and publishes.',
  initial: 'electing',
  context: { epoch: 0, revision: 0, validUntil: 0, lostBecause: undefined },
  states: {
    electing: {
      description: 'Tries once to claim the lease (an atomic create of its key).',
      invoke: {
        src: 'claimLease',
        onDone: [
          { guard: 'claimWon', target: 'active', actions: 'adoptLease', description: 'The key was free: this gateway holds the lease, with a new epoch.' },
          { target: 'standby', description: 'Another gateway holds the lease.' },
        ],
        onError: { target: 'standby', description: 'The claim went unanswered (NATS away or slow): try again later.' },
      },
    },
    standby: {
      description: 'Another gateway is active (or NATS is away): holds no Upbit connection, tries to claim the lease again every `claimRetry`.',
      after: { claimRetry: { target: 'electing', description: 'Time to try the claim again.' } },
    },
    active: {
      description: 'Holds the lease: the only gateway of its prefix with Upbit connections; publishes frames stamped with its epoch, renews the lease every third of its term.',
      invoke: {
        src: 'holdLease',
        input: ({ context }) => ({ revision: context.revision, validUntil: context.validUntil }),
      },
      on: {
        'lease.renewed': { actions: 'extendLease', description: 'A renewal was answered: the term starts again.' },
        'lease.lost': { target: 'deposed', actions: 'recordLoss', description: 'Another gateway holds the lease, or its term ran out before a renewal.' },
      },
      exit: 'forgetLease',
    },
    deposed: {
      description: 'Lost the lease: publishes nothing more and has closed its Upbit connections; waits `stepDownPause` before it stands for election again.',
      after: { stepDownPause: { target: 'electing', description: 'Stands for election again (as a standby unless the lease is free).' } },
    },
  },
});
