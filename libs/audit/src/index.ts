export {
  AUDIT_EVENT_VERSION,
  type AuditActor,
  type AuditEvent,
  type AuditEventInput,
  type AuditRecord,
  type AuditSubject,
} from './audit-event';
export { AuditChain, type ChainHead } from './audit-chain';
export {
  canonicalJson,
  canonicalLeafHash,
  chainHash,
  eventLeafHash,
  GENESIS_HASH,
  hashFromHex,
  leafHashOf,
  nodeHash,
} from './audit-hash';
export { auditKeyId, loadAuditPrivateKey, loadAuditPublicKey } from './audit-keys';
export {
  CHECKPOINT_TYPE,
  checkpointSigningInput,
  signCheckpoint,
  verifyCheckpointSignature,
  type SignedCheckpoint,
  type UnsignedCheckpoint,
} from './checkpoint';
export {
  DEFAULT_MASK_REPLACEMENT,
  EventMasker,
  isCredentialName,
  isCredentialValue,
  type MaskingOptions,
  type MaskMode,
  type MaskResult,
} from './event-masker';
export {
  CSV_COLUMNS,
  CSV_HEADER,
  csvLine,
  EXPORT_FORMATS,
  formatLine,
  jsonlLine,
  OCSF_VERSION,
  ocsfLine,
  type ExportFormat,
} from './export-formats';
export {
  MANIFEST_TYPE,
  signExportManifest,
  verifyExportManifestSignature,
  type ExportManifest,
  type ManifestInput,
} from './export-manifest';
export {
  verifyExport,
  type VerificationProblem,
  type VerificationProblemCode,
  type VerificationReport,
  type VerifyExportOptions,
} from './export-verifier';
export { emptySummary, exportChunks, writeExport, type ExportSummary } from './export-writer';
export { formatConcretePath, parseJsonPath, type PathSegment } from './json-path';
export { MerkleAccumulator } from './merkle-accumulator';
export {
  consistencyProof,
  inclusionProof,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle-tree';
