import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { JWT_ALGORITHMS, createToken, verifyToken } from '../../src/protocol/upbit/jwt.js';

const credentials = { accessKey: 'access-key-1', secretKey: 'secret-key-1' };
const secretFor = (accessKey: string) => (accessKey === credentials.accessKey ? credentials.secretKey : undefined);

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeSegment(part: string | undefined): unknown {
  return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
}

/** A token signed by hand, independent of `createToken`. */
function handSigned(header: unknown, payload: unknown, hash: 'sha256' | 'sha512', secret = credentials.secretKey): string {
  const input = `${segment(header)}.${segment(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

describe('createToken', () => {
  it('signs { access_key, nonce } with HS256 by default', () => {
    const token = createToken(credentials, { nonce: 'n-1' });
    const [header, payload] = token.split('.');
    expect(decodeSegment(header)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeSegment(payload)).toEqual({ access_key: 'access-key-1', nonce: 'n-1' });
    expect(token).toBe(handSigned({ alg: 'HS256', typ: 'JWT' }, { access_key: 'access-key-1', nonce: 'n-1' }, 'sha256'));
  });

  it('signs with HS512 when asked', () => {
    const token = createToken(credentials, { algorithm: 'HS512', nonce: 'n-2' });
    expect(token).toBe(handSigned({ alg: 'HS512', typ: 'JWT' }, { access_key: 'access-key-1', nonce: 'n-2' }, 'sha512'));
  });

  it('uses a fresh UUID v4 nonce for every token', () => {
    const nonces = [createToken(credentials), createToken(credentials)].map(
      (token) => (decodeSegment(token.split('.')[1]) as { nonce: string }).nonce,
    );
    expect(nonces[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(nonces[0]).not.toBe(nonces[1]);
  });
});

describe('verifyToken', () => {
  it.each(JWT_ALGORITHMS)('accepts a token made with %s', (algorithm) => {
    const token = createToken(credentials, { algorithm, nonce: 'n-3' });
    expect(verifyToken(token, secretFor)).toEqual({ ok: true, accessKey: 'access-key-1', nonce: 'n-3' });
  });

  it('accepts a token signed by another library, without typ', () => {
    const token = handSigned({ alg: 'HS512' }, { access_key: 'access-key-1', nonce: 'n-4' }, 'sha512');
    expect(verifyToken(token, secretFor)).toEqual({ ok: true, accessKey: 'access-key-1', nonce: 'n-4' });
  });

  it('refuses a tampered signature', () => {
    const token = createToken(credentials, { nonce: 'n-5' });
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    expect(verifyToken(tampered, secretFor)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('refuses a tampered payload', () => {
    const [header, , signature] = createToken(credentials, { nonce: 'n-6' }).split('.');
    const forged = `${header}.${segment({ access_key: 'access-key-1', nonce: 'other' })}.${signature}`;
    expect(verifyToken(forged, secretFor)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('refuses a token signed with another secret', () => {
    const token = createToken({ ...credentials, secretKey: 'wrong' });
    expect(verifyToken(token, secretFor)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('refuses a signature with altered padding bits (non-canonical base64url)', () => {
    const token = createToken(credentials, { nonce: 'n-7' });
    // HS256 signatures are 43 characters: the last one carries 2 unused bits.
    const lastIndex = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(token.at(-1) ?? '');
    const sibling = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[lastIndex ^ 1];
    const variant = `${token.slice(0, -1)}${sibling}`;
    expect(Buffer.from(variant.split('.')[2] ?? '', 'base64url')).toEqual(Buffer.from(token.split('.')[2] ?? '', 'base64url'));
    expect(verifyToken(variant, secretFor)).toMatchObject({ ok: false });
  });

  it('refuses alg none, even without a signature', () => {
    const header = segment({ alg: 'none', typ: 'JWT' });
    const payload = segment({ access_key: 'access-key-1', nonce: 'n-8' });
    expect(verifyToken(`${header}.${payload}.`, secretFor)).toMatchObject({ ok: false });
    expect(verifyToken(`${header}.${payload}.x`, secretFor)).toEqual({ ok: false, reason: 'unsupported alg "none"' });
  });

  it.each(['HS384', 'RS256', 'hs256'])('refuses alg %s', (alg) => {
    const token = handSigned({ alg, typ: 'JWT' }, { access_key: 'access-key-1', nonce: 'n' }, 'sha256');
    expect(verifyToken(token, secretFor)).toEqual({ ok: false, reason: `unsupported alg "${alg}"` });
  });

  it('refuses an unknown access key', () => {
    const token = createToken({ accessKey: 'someone-else', secretKey: 'secret-key-1' });
    expect(verifyToken(token, secretFor)).toEqual({ ok: false, reason: 'unknown access key' });
  });

  it.each([
    ['no access_key', { nonce: 'n' }, 'payload has no access_key'],
    ['an empty access_key', { access_key: '', nonce: 'n' }, 'payload has no access_key'],
    ['no nonce', { access_key: 'access-key-1' }, 'payload has no nonce'],
    ['a numeric nonce', { access_key: 'access-key-1', nonce: 5 }, 'payload has no nonce'],
    ['a payload that is not an object', ['access-key-1'], 'payload is not a JSON object'],
  ])('refuses a payload with %s', (_case, payload, reason) => {
    const token = handSigned({ alg: 'HS256', typ: 'JWT' }, payload, 'sha256');
    expect(verifyToken(token, secretFor)).toEqual({ ok: false, reason });
  });

  it.each([
    ['an empty string', ''],
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['an empty segment', `.${segment({})}.sig`],
    ['characters outside base64url', 'a+b.c/d.e=f'],
    ['a header that is not JSON', `${Buffer.from('{nope').toString('base64url')}.e30.sig`],
    ['a Bearer prefix', `Bearer ${createToken(credentials)}`],
    ['an absurdly long token', `${'a'.repeat(10_000)}.b.c`],
    ['a value that is not a string', 42 as unknown as string],
  ])('refuses %s', (_case, token) => {
    expect(verifyToken(token, secretFor)).toMatchObject({ ok: false });
  });
});
