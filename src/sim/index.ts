/**
 * `upstate/sim`: an embedded Upbit-compatible WebSocket exchange for demos, tests and benchmarks.
 * See docs/sim.md for its behaviours and the choices made where Upbit documents none.
 */
export { startExchange } from './exchange.js';
export { DEFAULT_MARKETS } from './catalogue.js';
export { DEFAULT_LIMITS } from './options.js';
export type { AuthFailureMode, ExchangeLimits, ExchangeOptions } from './options.js';
export { PRIVATE_PATH, PUBLIC_PATH } from './handle.js';
export type { ReplayOptions, ReplayResult } from './replay.js';
export type {
  CloseCause,
  CloseEvent,
  ConnectionInfo,
  ExchangeCounters,
  ExchangeEvents,
  ExchangeFaults,
  RefusalName,
  ExchangeHandle,
  ExchangePath,
  Injection,
  RefusedEvent,
  RequestOutcome,
  RequestRecord,
  SwallowedEvent,
} from './handle.js';
