export type { DetectorName, Finding, Severity } from './finding';
export type { ToolDefinition } from './tool-definition';
export {
  canonicalToolJson,
  diffDefinitions,
  jsonDigest,
  PINNED_FIELDS,
  toolDigest,
  type ChangeKind,
  type DefinitionDiff,
  type FieldChange,
  type PinnedField,
  type ValueChange,
} from './tool-digest';
export { evaluateArguments, type ArgumentGateInput, type ArgumentGateOptions } from './argument-gates';
export { SchemaValidatorCache } from './schema-validator';
export { DEFAULT_WALK_LIMITS, type WalkLimits } from './string-walker';
export { scanToolDefinition, type DefinitionScanOptions } from './tool-definition-scanner';
export { scanResult } from './result-scanner';
