import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, hashFromHex } from './audit-hash';
import { auditKeyId } from './audit-keys';

export const CHECKPOINT_TYPE = 'mandate.audit.checkpoint/v1';

/** A signed tree head: the RFC 6962 root over the first `treeSize` leaves of an organisation's log. */
export interface SignedCheckpoint {
  org: string | null;
  treeSize: number;
  /** Hex MTH of leaves 1…treeSize. */
  rootHash: string;
  /** RFC 3339 UTC time the checkpoint was made. */
  timestamp: string;
  /** RFC 7638 thumbprint of the signing key. */
  keyId: string;
  /** Base64 Ed25519 signature over {@link checkpointSigningInput}. */
  signature: string;
}

export type UnsignedCheckpoint = Omit<SignedCheckpoint, 'signature' | 'keyId'>;

/** The bytes signed: UTF-8 of the JCS text of every field but `signature`, plus a type tag. */
export function checkpointSigningInput(checkpoint: Omit<SignedCheckpoint, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({
      type: CHECKPOINT_TYPE,
      org: checkpoint.org,
      treeSize: checkpoint.treeSize,
      rootHash: checkpoint.rootHash,
      timestamp: checkpoint.timestamp,
      keyId: checkpoint.keyId,
    }),
    'utf8',
  );
}

export function signCheckpoint(checkpoint: UnsignedCheckpoint, privateKey: KeyObject): SignedCheckpoint {
  if (!Number.isSafeInteger(checkpoint.treeSize) || checkpoint.treeSize < 0) {
    throw new RangeError(`invalid tree size ${checkpoint.treeSize}`);
  }
  hashFromHex(checkpoint.rootHash, 'rootHash');
  const body = { ...checkpoint, keyId: auditKeyId(createPublicKey(privateKey)) };
  return { ...body, signature: sign(null, checkpointSigningInput(body), privateKey).toString('base64') };
}

/** True when the checkpoint is well-formed, names `publicKey` and carries its valid signature. */
export function verifyCheckpointSignature(checkpoint: SignedCheckpoint, publicKey: KeyObject): boolean {
  try {
    if (checkpoint.keyId !== auditKeyId(publicKey)) return false;
    hashFromHex(checkpoint.rootHash, 'rootHash');
    if (!Number.isSafeInteger(checkpoint.treeSize) || checkpoint.treeSize < 0) return false;
    return verify(
      null,
      checkpointSigningInput(checkpoint),
      publicKey,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}
