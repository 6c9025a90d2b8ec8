/**
 * What the live view, `/metrics` and `/healthz` read: a root actor to inspect and the figures of
 * `stats()`. An `Orchestrator` is one as it is; anything else that runs the same charts (a
 * gateway, a pool) can be one by exposing the same two members.
 */
import type { AnyActorRef } from 'xstate';
import type { OrchestratorStats } from '../orchestrator.js';

export interface LiveSource {
  /** The root of the actor tree; its `system.inspect()` streams every actor's events. */
  readonly actor: AnyActorRef;
  /** Read at every scrape, health probe and page tick: it must be cheap and side-effect free. */
  stats(): OrchestratorStats;
}
