/**
 * Client → server frames. Upbit reads a request as `[{ticket}, {type field}, …, {format}]`
 * (https://global-docs.upbit.com/reference/websocket-request-format); each request replaces the
 * connection's whole subscription, so callers always send the full desired state.
 * The encoder does not validate: specs are validated where they enter (the registry).
 */
import type { Format, SubscribeRequest, TypeField } from './types.js';

/**
 * The subscription frame. The format field is always written (`DEFAULT` when not given) so a
 * request never inherits a format from an earlier LIST_SUBSCRIPTIONS.
 */
export function encodeRequest(request: SubscribeRequest): string {
  const frame: object[] = [{ ticket: request.ticket }, ...request.fields.map(encodeTypeField)];
  frame.push({ format: request.format ?? 'DEFAULT' });
  return JSON.stringify(frame);
}

/**
 * `[{ticket}, {"method":"LIST_SUBSCRIPTIONS"}, {format}?]` (https://docs.upbit.com/kr/reference/list-subscriptions).
 * Give `format` only to switch the connection's streams to it: Upbit applies it to the live streams.
 */
export function encodeListSubscriptions(ticket: string, format?: Format): string {
  const frame: object[] = [{ ticket }, { method: 'LIST_SUBSCRIPTIONS' }];
  if (format !== undefined) frame.push({ format });
  return JSON.stringify(frame);
}

/**
 * One type field. `codes` is left out for myAsset (Upbit answers WRONG_FORMAT to it) and when not
 * given (myOrder: every market); `level` is written for orderbook only; a flag only when true,
 * since both omitted means snapshot and realtime.
 */
function encodeTypeField(field: TypeField): object {
  return {
    type: field.type,
    ...(field.codes !== undefined && field.type !== 'myAsset' && { codes: field.codes }),
    ...(field.level !== undefined && field.type === 'orderbook' && { level: field.level }),
    ...(field.isOnlySnapshot === true && { isOnlySnapshot: true }),
    ...(field.isOnlyRealtime === true && { isOnlyRealtime: true }),
  };
}
