/**
 * JWT for Upbit's private WebSocket endpoint (`Authorization: Bearer <token>` on the handshake).
 *
 * Upbit signs `{ access_key, nonce }` with the secret key, HMAC-SHA256 or HMAC-SHA512
 * (https://docs.upbit.com/kr/reference/auth: the official examples use the library default
 * HS256, the current guide's sample token is HS512; both are accepted). The nonce is a fresh
 * UUID v4 per token; refusing a reused nonce is the server's job, not this module's.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { describe } from '../../errors.js';
import { isRecord } from './json.js';

/** The algorithms Upbit accepts; `none` and the asymmetric ones are never accepted. */
export const JWT_ALGORITHMS = ['HS256', 'HS512'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** An Upbit Open API key pair. */
export interface UpbitCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface TokenOptions {
  /** The HMAC used to sign. @default 'HS256' */
  readonly algorithm?: JwtAlgorithm;
  /** Must differ for every token (Upbit refuses a reused nonce). @default crypto.randomUUID() */
  readonly nonce?: string;
}

/** What `verifyToken` found: the key and nonce of a valid token, or why it was refused. */

export type TokenVerification =
  | { readonly ok: true; readonly accessKey: string; readonly nonce: string }
  | { readonly ok: false; readonly reason: string };

const HMAC_OF: Readonly<Record<JwtAlgorithm, string>> = { HS256: 'sha256', HS512: 'sha512' };

/** Tokens are a few hundred bytes; anything far larger is refused before any decoding. */
const MAX_TOKEN_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A signed token for the private endpoint, payload `{ access_key, nonce }`. */
export function createToken(credentials: UpbitCredentials, options: TokenOptions = {}): string {
  const { algorithm = 'HS256', nonce = randomUUID() } = options;
  const signingInput = `${encodeSegment({ alg: algorithm, typ: 'JWT' })}.${encodeSegment({
    access_key: credentials.accessKey,
    nonce,
  })}`;
  return `${signingInput}.${sign(signingInput, algorithm, credentials.secretKey)}`;
}

/**
 * Checks a token as Upbit's private endpoint does: three base64url segments, a JSON header with
 * `alg` HS256 or HS512 (never `none`), a payload with string `access_key` and `nonce`, a known
 * access key, and the signature (compared in constant time). Never throws.
 *
 * @param secretFor the secret key of an access key, or `undefined` when the key is unknown.
 */
export function verifyToken(
  token: string,
  secretFor: (accessKey: string) => string | undefined,
): TokenVerification {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return refuse('token is not a string of sane length');
  const segments = token.split('.');
  if (segments.length !== 3) return refuse('token must have three segments');
  const [header, payload, signature] = segments as [string, string, string];
  if (!segments.every((segment) => BASE64URL.test(segment))) return refuse('token segments must be base64url');

  const headerJson = decodeSegment(header);
  if (!isRecord(headerJson)) return refuse('header is not a JSON object');
  const algorithm = headerJson.alg;
  if (!isJwtAlgorithm(algorithm)) return refuse(`unsupported alg ${describe(algorithm)}`);

  const claims = decodeSegment(payload);
  if (!isRecord(claims)) return refuse('payload is not a JSON object');
  const { access_key: accessKey, nonce } = claims;
  if (typeof accessKey !== 'string' || accessKey === '') return refuse('payload has no access_key');
  if (typeof nonce !== 'string' || nonce === '') return refuse('payload has no nonce');

  const secret = secretFor(accessKey);
  if (secret === undefined) return refuse('unknown access key');
  // Compare the encoded signatures: equal bytes in canonical base64url, so a signature with
  // altered padding bits is refused too.
  const expected = Buffer.from(sign(`${header}.${payload}`, algorithm, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse('signature mismatch');
  return { ok: true, accessKey, nonce };
}

function sign(signingInput: string, algorithm: JwtAlgorithm, secret: string): string {
  return createHmac(HMAC_OF[algorithm], secret).update(signingInput).digest('base64url');
}

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isJwtAlgorithm(value: unknown): value is JwtAlgorithm {
  return (JWT_ALGORITHMS as readonly unknown[]).includes(value);
}

function refuse(reason: string): TokenVerification {
  return { ok: false, reason };
}
