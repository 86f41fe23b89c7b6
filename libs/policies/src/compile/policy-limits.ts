/** Limits on an organisation's Rego sources (a draft or a version). */
export const POLICY_LIMITS = {
  maxFiles: 64,
  maxFileBytes: 256 * 1024,
  maxTotalBytes: 1024 * 1024,
  /** Largest accepted OPA bundle upload (gzip) and its largest extracted file. */
  maxBundleBytes: 4 * 1024 * 1024,
  maxBundleEntryBytes: 8 * 1024 * 1024,
} as const;

/** The entrypoint every organisation policy must define: `data.mandate.decision`. */
export const DECISION_ENTRYPOINT = 'mandate/decision';

/** A file name: `name.rego` or `dir/name.rego`, no `..`, no leading slash, at most 128 characters. */
export const POLICY_FILE_NAME =
  /^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\.rego$/;
