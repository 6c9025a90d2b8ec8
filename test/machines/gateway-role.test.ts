/**
 * The gateway's role chart on a SimulatedClock, with stub lease actors: who wins the claim, when a
 * standby tries again, what a lost lease does, and that renewals move the deadline.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, SimulatedClock } from 'xstate';
import { gatewayRoleMachine, type ClaimResult, type GatewayRoleEvent, type HoldInput } from '../../machines/gateway-role.machine.js';

const POLL_MS = 500;
const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The chart with claims answered from `claims` in turn, and a hold actor the test drives. */
function role(claims: (ClaimResult | Error)[]) {
  const clock = new SimulatedClock();
  let send: ((event: GatewayRoleEvent) => void) | undefined;
  const held: HoldInput[] = [];
  let claimsMade = 0;
  let holdsStopped = 0;
  const actor = createActor(
    gatewayRoleMachine.provide({
      actors: {
        claimLease: fromPromise<ClaimResult>(async () => {
          const next = claims[Math.min(claimsMade++, claims.length - 1)];
          if (next instanceof Error) throw next;
          return next;
        }),
        holdLease: fromCallback<GatewayRoleEvent, HoldInput>(({ input, sendBack }) => {
          held.push(input);
          send = sendBack;
          return () => {
            holdsStopped++;
          };
        }),
      },
      delays: { claimRetry: POLL_MS, stepDownPause: POLL_MS },
    }),
    { clock },
  );
  actor.start();
  return {
    actor,
    clock,
    held,
    hold: (event: GatewayRoleEvent) => send!(event),
    get claimsMade() {
      return claimsMade;
    },
    get holdsStopped() {
      return holdsStopped;
    },
  };
}

describe('gateway role chart', () => {
  it('wins an uncontested claim: active with the lease’s epoch and deadline, holding it', async () => {
    const r = role([{ epoch: 7, revision: 7, validUntil: 3_000 }]);
    expect(r.actor.getSnapshot().value).toBe('electing');
    await flush();
    expect(r.actor.getSnapshot().value).toBe('active');
    expect(r.actor.getSnapshot().context).toMatchObject({ epoch: 7, revision: 7, validUntil: 3_000 });
    expect(r.held).toEqual([{ revision: 7, validUntil: 3_000 }]);
  });

  it('stands by when the lease is held, and claims again every poll until it wins', async () => {
    const r = role([undefined, undefined, { epoch: 12, revision: 12, validUntil: 9_000 }]);
    await flush();
    expect(r.actor.getSnapshot().value).toBe('standby');
    r.clock.increment(POLL_MS - 1);
    await flush();
    expect(r.claimsMade).toBe(1);
    r.clock.increment(1);
    await flush();
    expect(r.claimsMade).toBe(2);
    expect(r.actor.getSnapshot().value).toBe('standby');
    r.clock.increment(POLL_MS);
    await flush();
    expect(r.actor.getSnapshot().value).toBe('active');
    expect(r.actor.getSnapshot().context.epoch).toBe(12);
  });

  it('a failed claim (NATS away) is a standby, not a crash', async () => {
    const r = role([new Error('timeout')]);
    await flush();
    expect(r.actor.getSnapshot().value).toBe('standby');
    expect(r.actor.getSnapshot().status).toBe('active');
  });

  it('a renewal moves the deadline; a lost lease deposes, stops holding, clears the deadline, then stands again', async () => {
    const r = role([{ epoch: 3, revision: 3, validUntil: 3_000 }, undefined]);
    await flush();
    r.hold({ type: 'lease.renewed', revision: 4, validUntil: 4_000 });
    expect(r.actor.getSnapshot().context).toMatchObject({ epoch: 3, revision: 4, validUntil: 4_000 });
    r.hold({ type: 'lease.lost', reason: 'another gateway holds the lease' });
    expect(r.actor.getSnapshot().value).toBe('deposed');
    expect(r.actor.getSnapshot().context).toMatchObject({ epoch: 3, validUntil: 0, lostBecause: 'another gateway holds the lease' });
    expect(r.holdsStopped).toBe(1);
    r.clock.increment(POLL_MS);
    await flush();
    expect(r.actor.getSnapshot().value).toBe('standby');
    expect(r.claimsMade).toBe(2);
  });
});
