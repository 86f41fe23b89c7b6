import type { KeyObject } from 'node:crypto';
import { loadAuditPublicKey } from '@mandate/audit';

/** The active key of a `GET /v1/audit/keys` answer, as a KeyObject (what `--key` loads from a JWK). */
export function loadAuditPublicJwkSet(body: { keys: Array<Record<string, unknown>> }): KeyObject {
  const active = body.keys.find((k) => k.retiredAt === null);
  if (!active) throw new Error('no active audit key');
  return loadAuditPublicKey(active);
}
