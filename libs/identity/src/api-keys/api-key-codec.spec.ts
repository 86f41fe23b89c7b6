import { describe, expect, it } from 'vitest';
import { apiKeyMatches, generateApiKey, hashApiKey, looksLikeApiKey, parseApiKey } from './api-key-codec';

describe('api key codec', () => {
  it('generates mnd_<prefix>_<secret> keys with 32 random bytes and a SHA-256 hash', () => {
    const key = generateApiKey();
    expect(key.plaintext).toMatch(/^mnd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.plaintext.startsWith(`mnd_${key.prefix}_`)).toBe(true);
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.hash).not.toContain(key.plaintext.slice(17));
    expect(hashApiKey(key.plaintext)).toBe(key.hash);
  });

  it('never generates the same key twice', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateApiKey().plaintext));
    expect(seen.size).toBe(200);
  });

  it('parses well-formed keys, including secrets containing underscores', () => {
    const key = generateApiKey();
    expect(parseApiKey(key.plaintext)).toEqual({ prefix: key.prefix, plaintext: key.plaintext });
    const withUnderscore = `mnd_0123456789ab_${'_'.repeat(43)}`;
    expect(parseApiKey(withUnderscore)?.prefix).toBe('0123456789ab');
  });

  it.each([
    '',
    'mnd_',
    'mnd_short_secret',
    `mnd_0123456789AB_${'a'.repeat(43)}`,
    `mnd_0123456789ab-${'a'.repeat(43)}`,
    `mnd_0123456789ab_${'a'.repeat(42)}`,
    `mnd_0123456789ab_${'a'.repeat(42)}'`,
    `xyz_0123456789ab_${'a'.repeat(43)}`,
  ])('rejects malformed key %j', (token) => {
    expect(parseApiKey(token)).toBeNull();
  });

  it('compares hashes in constant time and detects any change', () => {
    const key = generateApiKey();
    expect(apiKeyMatches(key.plaintext, key.hash)).toBe(true);
    const tampered = key.plaintext.slice(0, -1) + (key.plaintext.endsWith('A') ? 'B' : 'A');
    expect(apiKeyMatches(tampered, key.hash)).toBe(false);
    expect(apiKeyMatches(key.plaintext, 'abcd')).toBe(false);
  });

  it('tells API keys from JWTs', () => {
    expect(looksLikeApiKey(generateApiKey().plaintext)).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOiJFZERTQSJ9.e30.sig')).toBe(false);
  });
});
