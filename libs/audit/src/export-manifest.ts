import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './audit-hash';
import { auditKeyId } from './audit-keys';
import type { SignedCheckpoint } from './checkpoint';
import type { ExportFormat } from './export-formats';
import type { ExportSummary } from './export-writer';

export const MANIFEST_TYPE = 'mandate.audit.export-manifest/v1';

/**
 * Signed description of one export file. `prevHash` and `merkleFrontier` anchor an export that does not
 * start at seq 1: the chain hash of `firstSeq - 1` and the RFC 6962 frontier (perfect-subtree roots,
 * largest first) of the first `firstSeq - 1` leaves, from which the verifier recomputes checkpoint roots.
 */
export interface ExportManifest {
  type: typeof MANIFEST_TYPE;
  org: string | null;
  format: ExportFormat;
  /** The export request's filters, as given (informational: exports are always contiguous ranges). */
  filters: Record<string, unknown>;
  timeRange: { from: string | null; to: string | null };
  count: number;
  firstSeq: number | null;
  lastSeq: number | null;
  prevHash: string;
  merkleFrontier: string[];
  lastHash: string | null;
  /** Signed checkpoints whose tree size lies in [firstSeq - 1, lastSeq]. */
  checkpoints: SignedCheckpoint[];
  file: { name: string; sha256: string; bytes: number };
  createdAt: string;
  keyId: string;
  /** Base64 Ed25519 signature over the JCS text of every other field. */
  signature: string;
}

export interface ManifestInput {
  org: string | null;
  summary: ExportSummary;
  fileName: string;
  prevHash: string;
  merkleFrontier: string[];
  checkpoints: SignedCheckpoint[];
  filters?: Record<string, unknown>;
  timeRange?: { from: string | null; to: string | null };
  createdAt?: Date;
}

export function manifestSigningInput(manifest: Omit<ExportManifest, 'signature'>): Buffer {
  const { signature: _ignored, ...body } = manifest as ExportManifest;
  return Buffer.from(canonicalJson(body), 'utf8');
}

export function signExportManifest(input: ManifestInput, privateKey: KeyObject): ExportManifest {
  const { summary } = input;
  const body: Omit<ExportManifest, 'signature'> = {
    type: MANIFEST_TYPE,
    org: input.org,
    format: summary.format,
    filters: input.filters ?? {},
    timeRange: input.timeRange ?? {
      from: summary.minTime ?? summary.firstTime,
      to: summary.maxTime ?? summary.lastTime,
    },
    count: summary.count,
    firstSeq: summary.firstSeq,
    lastSeq: summary.lastSeq,
    prevHash: input.prevHash,
    merkleFrontier: input.merkleFrontier,
    lastHash: summary.lastHash,
    checkpoints: input.checkpoints,
    file: { name: input.fileName, sha256: summary.sha256, bytes: summary.bytes },
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    keyId: auditKeyId(createPublicKey(privateKey)),
  };
  return { ...body, signature: sign(null, manifestSigningInput(body), privateKey).toString('base64') };
}

export function verifyExportManifestSignature(manifest: ExportManifest, publicKey: KeyObject): boolean {
  try {
    if (manifest.keyId !== auditKeyId(publicKey) || typeof manifest.signature !== 'string') return false;
    return verify(null, manifestSigningInput(manifest), publicKey, Buffer.from(manifest.signature, 'base64'));
  } catch {
    return false;
  }
}
