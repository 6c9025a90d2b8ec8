/**
 * upstate: Upbit WebSocket subscriptions orchestrated by XState statecharts.
 * The statecharts are in `upstate/machines`; the embedded exchange in `upstate/sim`.
 */
export { createOrchestrator, Orchestrator } from './orchestrator.js';
export type {
  ConnectionReport,
  ConnectionReports,
  FlushState,
  Handler,
  LinkState,
  OrchestratorEvents,
  OrchestratorStats,
  Subscription,
} from './orchestrator.js';
export type { StreamOptions } from './stream.js';
export { UPBIT_ENDPOINTS } from './options.js';
export type { Credentials, Logger, OrchestratorOptions } from './options.js';
export { CapacityError, OptionError, PeerMissingError, SpecError, UpbitError, UpstateError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { SnapshotMode, Spec } from './registry/spec.js';
export type { RateGate } from './rate/gate.js';
export * from './protocol/upbit/types.js';
export { healthOf, healthOfGateway, registerMetrics, serveLiveView } from './live/index.js';
export type {
  ConnectionHealth,
  GatewayHealth,
  GatewayStatus,
  Health,
  LiveSource,
  LiveView,
  LiveViewOptions,
  Metrics,
  MetricsOptions,
  MetricsRegistry,
  NatsLinkState,
  UnhealthyReason,
} from './live/index.js';
