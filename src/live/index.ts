/** The live view (page, event stream), Prometheus metrics and the health check, on one server. */
export { serveLiveView } from './server.js';
export type { LiveView, LiveViewOptions } from './server.js';
export { registerMetrics } from './metrics.js';
export type { Metrics, MetricsOptions, MetricsRegistry } from './metrics.js';
export { healthOf, healthOfGateway } from './health.js';
export type { ConnectionHealth, GatewayHealth, Health, UnhealthyReason } from './health.js';
export type { GatewayStatus, LiveSource, NatsLinkState } from './source.js';
