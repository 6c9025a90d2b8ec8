/**
 * myOrder and myAsset events for `handle.injectMyOrder` / `injectMyAsset`: plausible defaults for
 * every field (https://docs.upbit.com/kr/reference/websocket-myorder, …/websocket-myasset), with
 * the caller's fields on top. Upbit sends these only on events, always as REALTIME.
 */
import type { MyAssetMessage, MyOrderMessage } from '../protocol/upbit/types.js';
import { roundTo } from './prices.js';

const FEE_RATE = 0.0005;

/** A well-formed UUID that is the same for the same sequence number (tests can predict it). */
export function sequenceUuid(prefix: number, sequence: number): string {
  const hex = sequence.toString(16).padStart(12, '0').slice(-12);
  return `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
}

export function myOrderEvent(
  sequence: number,
  now: number,
  price: number,
  fields: Partial<MyOrderMessage> = {},
): MyOrderMessage {
  const volume = fields.volume ?? 1;
  const orderPrice = fields.price ?? price;
  const fee = roundTo(orderPrice * volume * FEE_RATE, 8);
  return {
    code: 'KRW-BTC',
    uuid: sequenceUuid(0x0c0de, sequence),
    ask_bid: 'BID',
    order_type: 'limit',
    state: 'wait',
    trade_uuid: null,
    price: orderPrice,
    avg_price: 0,
    volume,
    remaining_volume: volume,
    executed_volume: 0,
    trades_count: 0,
    reserved_fee: fee,
    remaining_fee: fee,
    paid_fee: 0,
    locked: roundTo(orderPrice * volume + fee, 8),
    executed_funds: 0,
    time_in_force: null,
    trade_fee: null,
    is_maker: null,
    identifier: null,
    smp_type: null,
    prevented_volume: 0,
    prevented_locked: 0,
    trade_timestamp: null,
    order_timestamp: now,
    timestamp: now,
    stream_type: 'REALTIME',
    ...fields,
    type: 'myOrder',
  };
}

/**
 * A myAsset event as it goes on the wire: Upbit's myAsset has no market code, so `code` is absent
 * (decoders set it to `''`).
 */
export function myAssetWire(sequence: number, now: number, fields: Partial<MyAssetMessage> = {}): Omit<MyAssetMessage, 'code'> {
  const { code: _ignored, ...rest } = fields;
  return {
    asset_uuid: sequenceUuid(0xa55e7, sequence),
    assets: [{ currency: 'KRW', balance: 1_000_000, locked: 0 }],
    asset_timestamp: now,
    timestamp: now,
    stream_type: 'REALTIME',
    ...rest,
    type: 'myAsset',
  };
}
