/**
 * `upstate/gateway`: fleet mode. One gateway holds the Upbit connections of many processes; each
 * process joins with a fleet client, which has the orchestrator's API. See docs/fleet.md.
 */
export { Gateway, startGateway } from './gateway.js';
export type { GatewayEvents, GatewayOptions, GatewayRoleState, GatewayStats } from './gateway.js';
export type { GatewayRole } from '../../machines/gateway-role.machine.js';
export type { GatewayStatus, NatsLinkState } from '../live/source.js';
export { createFleetClient, FleetClient } from './client.js';
export type { FleetClientEvents, FleetClientOptions, FleetClientStats, GatewayChange } from './client.js';
export { DEFAULT_PREFIX, DEFAULT_PRIVATE_PREFIX, EPOCH_HEADER, streamSubject } from './subjects.js';
export type { Prefixes } from './subjects.js';
export type { NatsConnectionOptions, NatsTarget } from './nats.js';
