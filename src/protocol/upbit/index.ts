export * from './types.js';
export { SIMPLE_KEYS, LIST_SUBSCRIPTIONS_KEYS, toSimple, fromSimple, listReplyToSimple, listReplyFromSimple } from './keys.js';
export type { KeyTable, NestedKeys } from './keys.js';
export { encodeRequest, encodeListSubscriptions } from './encode.js';
export { decodeFrame, MAX_RAW_LENGTH } from './decode.js';
export { parseRequest, MAX_REQUEST_BYTES, MAX_REQUEST_CODES } from './request.js';
export { createToken, verifyToken, JWT_ALGORITHMS } from './jwt.js';
export type { JwtAlgorithm, UpbitCredentials, TokenOptions, TokenVerification } from './jwt.js';
