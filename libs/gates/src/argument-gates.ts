import { detectInvisibleUnicode } from './detectors/invisible-unicode.detector';
import { detectPathTraversal } from './detectors/path-traversal.detector';
import { detectPromptInjection } from './detectors/prompt-injection.detector';
import { detectSecrets } from './detectors/secret.detector';
import { detectShellInjection } from './detectors/shell-injection.detector';
import { detectSqlInjection } from './detectors/sql-injection.detector';
import { detectSsrf } from './detectors/ssrf.detector';
import { fieldKind, subSchemaAt } from './field-context';
import type { DetectorName, Finding } from './finding';
import type { ScanContext, StringDetector } from './scan-context';
import { SchemaValidatorCache, schemaFindings } from './schema-validator';
import { collectStrings, DEFAULT_WALK_LIMITS, type WalkLimits } from './string-walker';
import { jsonDigest } from './tool-digest';

export const ARGUMENT_DETECTORS: Readonly<Partial<Record<DetectorName, StringDetector>>> = {
  'shell-injection': detectShellInjection,
  'path-traversal': detectPathTraversal,
  ssrf: detectSsrf,
  'sql-injection': detectSqlInjection,
  'prompt-injection': detectPromptInjection,
  'invisible-unicode': detectInvisibleUnicode,
  secret: detectSecrets,
};

/** Detectors also run on object member names (which a tool may pass on to a shell or a model). */
const KEY_DETECTORS: readonly StringDetector[] = [
  detectShellInjection,
  detectPromptInjection,
  detectInvisibleUnicode,
];

export interface ArgumentGateOptions {
  limits?: Partial<WalkLimits>;
  /** Detectors to skip (e.g. `['sql-injection']` for a tool whose arguments are SQL by design). */
  disable?: readonly DetectorName[];
  /** Compiled-validator cache; defaults to one shared, bounded cache per process. */
  cache?: SchemaValidatorCache;
}

export interface ArgumentGateInput {
  /** The pinned input schema of the tool (JSON Schema). */
  schema: unknown;
  /** Digest of that schema (the cache key); computed when absent. Must match `schema`. */
  schemaDigest?: string;
  arguments: unknown;
  options?: ArgumentGateOptions;
}

const sharedCache = new SchemaValidatorCache(1_000);

/**
 * The input-validation gates of the decision pipeline: JSON Schema validation of the call's arguments
 * against the pinned input schema, then every detector over every string (values and member names).
 * Never throws on hostile input; every problem, including an unusable schema, is a finding.
 */
export function evaluateArguments(input: ArgumentGateInput): Finding[] {
  const options = input.options ?? {};
  const findings: Finding[] = [];
  const args = input.arguments === undefined ? {} : input.arguments;
  const cache = options.cache ?? sharedCache;
  let digest = input.schemaDigest;
  if (!digest) {
    try {
      digest = jsonDigest(input.schema);
    } catch {
      digest = undefined;
    }
  }
  if (digest) findings.push(...schemaFindings(cache.get(digest, input.schema), args));
  else findings.push({ detector: 'schema', path: '', severity: 'high', detail: 'input schema is not JSON' });

  const limits: WalkLimits = { ...DEFAULT_WALK_LIMITS, ...options.limits };
  const disabled = new Set(options.disable ?? []);
  const detectors = Object.entries(ARGUMENT_DETECTORS)
    .filter(([name]) => !disabled.has(name as DetectorName))
    .map(([, detector]) => detector);
  const keyDetectors = KEY_DETECTORS.filter((d) => detectors.includes(d));
  for (const site of collectStrings(args, limits, findings)) {
    if (site.isKey) {
      const context: ScanContext = { path: site.path, kind: 'text', isKey: true };
      for (const detector of keyDetectors) detector(site.value, context, findings);
      continue;
    }
    const context: ScanContext = {
      path: site.path,
      kind: fieldKind(site.key, subSchemaAt(input.schema, site.path)),
      isKey: false,
    };
    for (const detector of detectors) detector(site.value, context, findings);
  }
  return findings;
}
