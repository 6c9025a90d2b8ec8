/** The statecharts, as plain XState v5 machines: embed them, `provide()` your own actors, inspect them. */
export { flushMachine, flushStateOf, FLUSH_STATES, isFlushRefused, isFlushSettled, ZERO_FLUSH_STATS } from './flush.machine.js';
export type {
  AcquireInput,
  FlushContext,
  FlushEvent,
  FlushInput,
  FlushMachine,
  FlushSnapshot,
  FlushState,
  FlushStats,
  SendInput,
  SendResult,
} from './flush.machine.js';
export {
  backoffDelay,
  BLOCKED_PENALTY_MS,
  connectionMachine,
  flushOf,
  isLinkOpen,
  LINK_STATES,
  linkStateOf,
  MAX_ATTEMPT,
  RATE_LIMITED_PENALTY_MS,
} from './connection.machine.js';
export type {
  BackoffOptions,
  ConnectionContext,
  ConnectionEvent,
  ConnectionInput,
  ConnectionMachine,
  ConnectionSnapshot,
  ConnectionStats,
  LinkFailure,
  LinkInput,
  LinkState,
} from './connection.machine.js';
export { connectionOf, connectionRefOf, orchestratorMachine } from './orchestrator.machine.js';
export type { OrchestratorContext, OrchestratorEvent, OrchestratorInput, OrchestratorMachine, OrchestratorSnapshot } from './orchestrator.machine.js';
export { EMPTY_FINGERPRINT, UNKNOWN_FINGERPRINT } from '../src/registry/fingerprint.js';
export { GATEWAY_ROLES, gatewayRoleMachine } from './gateway-role.machine.js';
export type { ClaimResult, GatewayRole, GatewayRoleEvent, HoldInput } from './gateway-role.machine.js';
