/** The statecharts, as plain XState v5 machines: embed them, `provide()` your own actors, inspect them. */
export { flushMachine, NOTHING, ZERO_FLUSH_STATS } from './flush.machine.js';
export type { AcquireInput, FlushContext, FlushEvent, FlushInput, FlushMachine, FlushStats, SendInput, SendResult } from './flush.machine.js';
export {
  backoffDelay,
  BLOCKED_PENALTY_MS,
  connectionMachine,
  MAX_ATTEMPT,
  RATE_LIMITED_PENALTY_MS,
} from './connection.machine.js';
export type {
  BackoffOptions,
  ConnectionContext,
  ConnectionEvent,
  ConnectionInput,
  ConnectionMachine,
  ConnectionStats,
  LinkFailure,
  LinkInput,
} from './connection.machine.js';
export { orchestratorMachine } from './orchestrator.machine.js';
export type { OrchestratorEvent, OrchestratorInput, OrchestratorMachine } from './orchestrator.machine.js';
