import { createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { PolicyBundle } from './bundle-reader';

/** Files whose JSON value (not bytes) is digested, as OPA does for structured files. */
const STRUCTURED = new Set(['.manifest', 'data.json']);
const SIGNATURES = '.signatures.json';

/**
 * Verifies a bundle's `.signatures.json` the way an OPA agent does: one JWT (issuer `mandate`) signed by a key
 * of `keys` (the organisation's published JWKS, pinned in the gateway's configuration), whose `files` claim
 * lists the SHA-256 of every other file of the bundle — no file missing, none extra. Throws when anything
 * does not match.
 */
export async function verifyBundle(bundle: PolicyBundle, keys: JSONWebKeySet): Promise<void> {
  const raw = bundle.files.get(SIGNATURES);
  if (!raw) throw new Error('the bundle is not signed');
  const parsed = JSON.parse(raw.toString('utf8')) as { signatures?: unknown };
  const signatures = parsed.signatures;
  if (!Array.isArray(signatures) || signatures.length !== 1 || typeof signatures[0] !== 'string') {
    throw new Error('the bundle must carry exactly one signature');
  }
  const { payload } = await jwtVerify(signatures[0], createLocalJWKSet(keys), { issuer: 'mandate' });
  const listed = payload.files;
  if (!Array.isArray(listed)) throw new Error('the bundle signature lists no files');
  const expected = new Map<string, string>();
  for (const entry of listed as Array<Record<string, unknown>>) {
    if (typeof entry?.name !== 'string' || typeof entry.hash !== 'string') {
      throw new Error('the bundle signature has a malformed file entry');
    }
    if (entry.algorithm !== undefined && entry.algorithm !== 'SHA-256') {
      throw new Error(`unsupported digest algorithm ${JSON.stringify(entry.algorithm)}`);
    }
    expected.set(entry.name.replace(/^\/+/, ''), entry.hash.toLowerCase());
  }
  const present = [...bundle.files.keys()].filter((name) => name !== SIGNATURES);
  if (present.length !== expected.size) throw new Error('the bundle files differ from the signed list');
  for (const name of present) {
    const want = expected.get(name);
    if (want === undefined) throw new Error(`the bundle file ${name} is not signed`);
    if (digest(name, bundle.files.get(name)!) !== want)
      throw new Error(`the bundle file ${name} was altered`);
  }
}

function digest(name: string, bytes: Buffer): string {
  const hash = createHash('sha256');
  hash.update(STRUCTURED.has(name) ? sortedJson(JSON.parse(bytes.toString('utf8'))) : bytes);
  return hash.digest('hex');
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
