import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Public, non-secret part of a key: 12 lowercase hex characters, stored in clear for lookup. */
const PREFIX_PATTERN = /^[0-9a-f]{12}$/;
/** 32 random bytes in base64url (43 characters). */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const API_KEY_MARKER = 'mnd_';

export interface GeneratedApiKey {
  /** The full key `mnd_<prefix>_<secret>`: shown once, never stored. */
  plaintext: string;
  prefix: string;
  /** SHA-256 of the full key, hex. */
  hash: string;
}

export interface ParsedApiKey {
  prefix: string;
  plaintext: string;
}

/**
 * Generates, parses and hashes API keys. A fast hash (SHA-256) is right here: the secret carries
 * 256 bits of entropy, so there is nothing to brute-force, and lookups stay cheap on the hot path.
 */
export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const plaintext = `${API_KEY_MARKER}${prefix}_${secret}`;
  return { plaintext, prefix, hash: hashApiKey(plaintext) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_MARKER);
}

/** Returns the parts of a well-formed key, or null (never throws on hostile input). */
export function parseApiKey(token: string): ParsedApiKey | null {
  if (!token.startsWith(API_KEY_MARKER) || token.length !== API_KEY_MARKER.length + 12 + 1 + 43) return null;
  const prefix = token.slice(API_KEY_MARKER.length, API_KEY_MARKER.length + 12);
  const separator = token.charAt(API_KEY_MARKER.length + 12);
  const secret = token.slice(API_KEY_MARKER.length + 13);
  if (separator !== '_' || !PREFIX_PATTERN.test(prefix) || !SECRET_PATTERN.test(secret)) return null;
  return { prefix, plaintext: token };
}

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented key with a stored hash. */
export function apiKeyMatches(plaintext: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(plaintext), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
