import { assign, fromCallback, fromPromise, setup } from 'xstate';

/**
 * The role of one fleet gateway among several on the same NATS prefix:
 * electing → active | standby; standby → electing (every `retryMs`); active → deposed when the
 * lease is lost (taken by another, or not renewed within its term); deposed → electing.
 *
 * Only `active` may hold Upbit connections and publish. The chart only decides; the lease I/O is
 * in the `claimLease` and `holdLease` actors, which the gateway provides.
 */

export type GatewayRole = 'electing' | 'standby' | 'active' | 'deposed';

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
  initial: 'electing',
  context: { epoch: 0, revision: 0, validUntil: 0, lostBecause: undefined },
  states: {
    electing: {
      invoke: {
        src: 'claimLease',
        onDone: [{ guard: 'claimWon', target: 'active', actions: 'adoptLease' }, { target: 'standby' }],
        onError: { target: 'standby' },
      },
    },
    standby: {
      after: { claimRetry: 'electing' },
    },
    active: {
      invoke: {
        src: 'holdLease',
        input: ({ context }) => ({ revision: context.revision, validUntil: context.validUntil }),
      },
      on: {
        'lease.renewed': { actions: 'extendLease' },
        'lease.lost': { target: 'deposed', actions: 'recordLoss' },
      },
      exit: 'forgetLease',
    },
    deposed: {
      after: { stepDownPause: 'electing' },
    },
  },
});
