/**
 * What the live view, `/metrics` and `/healthz` read: a root actor to inspect and the figures of
 * `stats()`. An `Orchestrator` is one as it is; anything else that runs the same charts (a
 * gateway, a pool) can be one by exposing the same two members.
 */
import type { AnyActorRef } from 'xstate';
import type { GatewayRole } from '../../machines/gateway-role.machine.js';
import type { OrchestratorStats } from '../orchestrator.js';

export interface LiveSource {
  /** The root of the actor tree; its `system.inspect()` streams every actor's events. */
  readonly actor: AnyActorRef;
  /** Read at every scrape, health probe and page tick: it must be cheap and side-effect free. */
  stats(): OrchestratorStats;
  /**
   * A fleet gateway's role, lease and NATS link (`gateway.live` has it; an orchestrator does not).
   * When present, `/healthz` decides by role and `/metrics` adds the `upstate_gateway_*` metrics.
   * Read like `stats()`: cheap and side-effect free.
   */
  gateway?(): GatewayStatus;
}

/** The state of the NATS connection a gateway holds. */
export type NatsLinkState = 'connected' | 'reconnecting' | 'closed';

/** What `/healthz` and `/metrics` read of a fleet gateway. Counters run from its start. */
export interface GatewayStatus {
  /** Its role now; a standby between two claims of the lease is `standby`. */
  readonly role: GatewayRole;
  /** The epoch of the lease held now or last: 0 before any, and without JetStream. */
  readonly epoch: number;
  /** `lease` with JetStream; `alone` without (no standby possible). */
  readonly election: 'lease' | 'alone';
  readonly nats: NatsLinkState;
  /** Times it became active. */
  readonly takeovers: number;
  /** Times it lost the lease while active (deposed): taken by another, or its term ran out. */
  readonly stepDowns: number;
  /** Renewals of the lease that failed (unanswered, or the lease was gone). */
  readonly renewalsFailed: number;
  /** Distinct fleet clients holding a demand lease. */
  readonly clients: number;
  /** Demands (client × connection kind) holding a lease. */
  readonly demands: number;
  /** Frames published to NATS. */
  readonly published: number;
  readonly announcements: number;
  /** Announcements refused (bad specs, private streams without credentials). */
  readonly refused: number;
  /** Demands dropped because their lease ran out. */
  readonly expired: number;
}
