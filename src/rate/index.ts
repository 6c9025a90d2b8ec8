export type { RateGate } from './gate.js';
export {
  MAX_WINDOW_LIMIT,
  SlidingWindowGate,
  type RateWindow,
  type SlidingWindowOptions,
  type SlidingWindowStats,
} from './sliding-window.js';
export {
  sharedConnectGate,
  upbitConnectGate,
  upbitMessageGate,
  UPBIT_MARGIN_MS,
  type SharedRateGate,
  type UpbitMessageGateOptions,
} from './upbit.js';
