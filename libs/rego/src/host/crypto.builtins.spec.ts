import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { b64urlDecode } from './crypto.builtins';
import { HOST_BUILTINS } from './host-builtins';

const b64url = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

function hs256(
  secret: string,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', ...header }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const call = (name: string, ...args: unknown[]): unknown => HOST_BUILTINS[name](...args);

describe('b64urlDecode', () => {
  it('agrees with Buffer on random byte strings, padded or not', () => {
    for (let n = 0; n < 200; n++) {
      const bytes = randomBytes(n % 67);
      const text = bytes.toString('base64url');
      expect(Buffer.from(b64urlDecode(text) ?? [])).toEqual(bytes);
      const padded = text + '='.repeat((4 - (text.length % 4)) % 4);
      expect(Buffer.from(b64urlDecode(padded) ?? [])).toEqual(bytes);
    }
  });

  it('decodes a slice of a string', () => {
    expect(new TextDecoder().decode(b64urlDecode(`x.${b64url('hello')}.y`, 2, 9))).toBe('hello');
  });

  it('rejects characters outside the url alphabet, bad padding and impossible lengths', () => {
    expect(b64urlDecode('ab+c')).toBeUndefined();
    expect(b64urlDecode('ab/c')).toBeUndefined();
    expect(b64urlDecode('ab c')).toBeUndefined();
    expect(b64urlDecode('abcde')).toBeUndefined();
    expect(b64urlDecode('ab===')).toBeUndefined();
    expect(b64urlDecode('aé')).toBeUndefined();
    expect(b64urlDecode('')).toEqual(new Uint8Array());
  });
});

describe('JWT host builtins (cached)', () => {
  it('gives the same verdicts on repeated calls: a cached success never leaks to another key or token', () => {
    const token = hs256('s3cret', { sub: 'alice' });
    for (let i = 0; i < 3; i++) {
      expect(call('io.jwt.verify_hs256', token, 's3cret')).toBe(true);
      expect(call('io.jwt.verify_hs256', token, 's3cre')).toBe(false);
      expect(call('io.jwt.verify_hs256', token, 's3crett')).toBe(false);
      expect(call('io.jwt.verify_hs384', token, 's3cret')).toBe(false);
    }
    const [h, p, s] = token.split('.');
    const forged = `${h}.${b64url(JSON.stringify({ sub: 'mallory' }))}.${s}`;
    expect(call('io.jwt.verify_hs256', forged, 's3cret')).toBe(false);
    const truncatedSig = `${h}.${p}.${s.slice(0, -3)}`;
    expect(call('io.jwt.verify_hs256', truncatedSig, 's3cret')).toBe(false);
    expect(call('io.jwt.verify_hs256', `${h}.${p}`, 's3cret')).toBeUndefined();
  });

  it('returns decoded tokens that callers cannot alter for later calls', () => {
    const token = hs256('k', { sub: 'alice', groups: ['dev'] });
    const first = call('io.jwt.decode', token) as [Record<string, unknown>, Record<string, unknown>, string];
    expect(first[1]).toEqual({ sub: 'alice', groups: ['dev'] });
    expect(first[2]).toBe(Buffer.from(token.split('.')[2], 'base64url').toString('hex'));
    expect(() => {
      (first[1].groups as string[]).push('admin');
    }).toThrow(TypeError);
    expect(call('io.jwt.decode', token)).toEqual(first);
  });

  it('re-checks time constraints on every decode_verify call (only the signature check is cached)', () => {
    const token = hs256('k', { exp: 1000, iss: 'idp' });
    expect((call('io.jwt.decode_verify', token, { secret: 'k', time: 999e9 }) as unknown[])[0]).toBe(true);
    expect(call('io.jwt.decode_verify', token, { secret: 'k', time: 1000e9 })).toEqual([false, {}, {}]);
    expect(call('io.jwt.decode_verify', token, { secret: 'x', time: 999e9 })).toEqual([false, {}, {}]);
    expect(call('io.jwt.decode_verify', token, { secret: 'k', time: 999e9, iss: 'other' })).toEqual([
      false,
      {},
      {},
    ]);
  });

  it('verifies ES256 with a cached public key, and rejects another key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const input = `${b64url(JSON.stringify({ alg: 'ES256' }))}.${b64url(JSON.stringify({ sub: 'x' }))}`;
    const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const token = `${input}.${sig.toString('base64url')}`;
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const otherPem = other.export({ type: 'spki', format: 'pem' }).toString();
    for (let i = 0; i < 2; i++) {
      expect(call('io.jwt.verify_es256', token, pem)).toBe(true);
      expect(call('io.jwt.verify_es256', token, otherPem)).toBe(false);
    }
  });

  it('computes digests and HMACs as Node does', () => {
    const data = 'héllo wörld';
    expect(call('crypto.sha1', data)).toBe(createHash('sha1').update(data).digest('hex'));
    expect(call('crypto.sha256', data)).toBe(createHash('sha256').update(data).digest('hex'));
    expect(call('crypto.hmac.sha512', data, 'kéy')).toBe(
      createHmac('sha512', 'kéy').update(data).digest('hex'),
    );
    expect(call('crypto.hmac.md5', data, 'k')).toBe(createHmac('md5', 'k').update(data).digest('hex'));
  });
});
