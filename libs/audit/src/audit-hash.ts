import { createHash, hash } from 'node:crypto';
import type { AuditEvent } from './audit-event';
import { canonicalize } from './canonical-json';

/** The `prev_hash` of the first event of every chain: 32 zero bytes. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** RFC 8785 canonical JSON text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be represented as JSON');
  return text;
}

/** RFC 6962 leaf hash of arbitrary leaf data: SHA-256(0x00 ‖ data). */
export function leafHashOf(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** The leaf of an audit event: SHA-256(0x00 ‖ UTF-8 of the RFC 8785 canonical JSON of the event). */
export function eventLeafHash(event: AuditEvent): Buffer {
  return canonicalLeafHash(canonicalJson(event));
}

/** SHA-256(0x00 ‖ UTF-8 of `canonical`): the leaf of an event given its canonical JSON text. */
export function canonicalLeafHash(canonical: string): Buffer {
  // U+0000 encodes as the single byte 0x00; the one-shot hash is several times cheaper than createHash.
  return hash('sha256', `\u0000${canonical}`, 'buffer');
}

/** Chain link: SHA-256(prev_hash ‖ leaf). */
export function chainHash(prevHash: Uint8Array, leaf: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([prevHash, leaf]), 'buffer');
}

const HEX_32 = /^[0-9a-f]{64}$/;

/** Decodes a lower-case hex SHA-256 value; throws on anything else. */
export function hashFromHex(hex: string, what = 'hash'): Buffer {
  if (typeof hex !== 'string' || !HEX_32.test(hex))
    throw new TypeError(`${what} is not 64 lower-case hex digits`);
  return Buffer.from(hex, 'hex');
}
