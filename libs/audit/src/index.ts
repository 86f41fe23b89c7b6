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
export {
  DECISION_ARGUMENTS_PATH,
  MAX_MASK_PATHS,
  MaskerCache,
  policyMaskPaths,
  REDACT_ARGUMENTS_OBLIGATION,
  validateMaskPaths,
} from './mask-rules';
export { MerkleAccumulator } from './merkle-accumulator';
export {
  consistencyProof,
  inclusionProof,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle-tree';
// Database side (Nest): the appender that chains domain events, keys, checkpoints, proofs, search, export.
export { AuditChainAppender, type AuditSql } from './db/audit-chain.appender';
export { AuditCheckpointService } from './db/audit-checkpoint.service';
export { SYSTEM_CHAIN_ORG_ID } from './db/audit-db.constants';
export {
  AuditExportService,
  type AuditExportRequest,
  type AuditExportRange,
} from './db/audit-export.service';
export {
  AuditLogRepository,
  type AuditSearchFilters,
  type PurgeHorizon,
  type StoredHead,
} from './db/audit-log.repository';
export {
  AUDIT_EXPORT_TOPIC,
  AuditExportJobService,
  type AuditExportJob,
  type AuditExportJobStatus,
} from './db/audit-export-job.service';
export { AUDIT_PURGED, AuditRetentionService, type PurgeResult } from './db/audit-retention.service';
export {
  AUDIT_SETTINGS_UPDATED,
  AuditSettingsService,
  DEFAULT_RETENTION_DAYS,
  type AuditSettings,
  type AuditSettingsPatch,
} from './db/audit-settings.service';
export { AuditMaintenanceScheduler } from './db/audit-maintenance.scheduler';
export { AuditMasterKey, MASTER_KEY_FILE } from './db/audit-master-key';
export { AuditProofService } from './db/audit-proof.service';
export { AuditSigningKeys, type AuditPublicJwk } from './db/audit-signing-keys';
export { AuditModule } from './db/audit.module';
