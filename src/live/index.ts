/** The live view (page, event stream), Prometheus metrics and the health check, on one server. */
export { serveLiveView } from './server.js';
export type { LiveView, LiveViewOptions } from './server.js';
export { registerMetrics } from './metrics.js';
export type { Metrics, MetricsOptions, MetricsRegistry } from './metrics.js';
export { healthOf } from './health.js';
export type { ConnectionHealth, Health, UnhealthyReason } from './health.js';
export type { LiveSource } from './source.js';
