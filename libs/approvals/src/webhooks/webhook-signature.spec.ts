import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from './webhook-secret.cipher';
import { signatureHeader, verifySignature } from './webhook-signature';

describe('webhook signatures', () => {
  it('verify with the secret and the timestamp, and refuse tampering, other secrets and replays', () => {
    const header = signatureHeader('s3cret', '{"a":1}', 1_800_000_000);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret', '{"a":1}', header, 1_800_000_010)).toBe(true);
    expect(verifySignature('s3cret', '{"a":2}', header, 1_800_000_010)).toBe(false);
    expect(verifySignature('other', '{"a":1}', header, 1_800_000_010)).toBe(false);
    expect(verifySignature('s3cret', '{"a":1}', header, 1_800_001_000)).toBe(false);
    expect(verifySignature('s3cret', '{"a":1}', 'garbage', 1_800_000_010)).toBe(false);
  });
});

describe('webhook secret encryption', () => {
  it('round-trips and is bound to its subscription', () => {
    const key = randomBytes(32);
    const sealed = encryptSecret(key, 'whsec_abc', 'sub-1');
    expect(sealed).not.toContain('whsec_abc');
    expect(decryptSecret(key, sealed, 'sub-1')).toBe('whsec_abc');
    expect(() => decryptSecret(key, sealed, 'sub-2')).toThrow();
    expect(() => decryptSecret(randomBytes(32), sealed, 'sub-1')).toThrow();
  });
});
