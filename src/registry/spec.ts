import type { DataType, OrderbookDepth } from '../protocol/upbit/types.js';

/**
 * Whether a subscriber wants the SNAPSHOT sent on subscribe, the REALTIME stream, or both.
 * - `include` (default): the current value first, then every update.
 * - `only`: the current value once, then nothing (`isOnlySnapshot`).
 * - `exclude`: updates only (`isOnlyRealtime`).
 */
export type SnapshotMode = 'include' | 'only' | 'exclude';

/** What one subscriber asks for. Validated at the door by `validateSpec`. */
export interface Spec<T extends DataType = DataType> {
  readonly type: T;
  /**
   * Upper-case market codes (`KRW-BTC`). Required for public types; optional for `myOrder`
   * (omitted or empty = every market); forbidden for `myAsset`. Orderbook codes may carry a
   * depth suffix (`KRW-BTC.15`) instead of `depth`.
   */
  readonly codes?: readonly string[];
  /** @default 'include' */
  readonly snapshot?: SnapshotMode;
  /** Orderbook only: price-grouping level (KRW markets). @default 0 */
  readonly level?: number;
  /** Orderbook only: number of price levels, 1, 5, 15 or 30. @default 30 */
  readonly depth?: OrderbookDepth;
}
