/** How serious a finding is; policies usually deny on `critical`/`high` and ask for approval on `medium`. */
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** Names of the detectors; stable strings that policies match on (`input.findings[_].detector`). */
export type DetectorName =
  | 'schema'
  | 'limits'
  | 'shell-injection'
  | 'path-traversal'
  | 'ssrf'
  | 'sql-injection'
  | 'prompt-injection'
  | 'invisible-unicode'
  | 'secret'
  | 'tool-poisoning'
  | 'homoglyph'
  | 'shadowing'
  | 'exfiltration'
  | 'excessive-length';

/**
 * One fact produced by a gate: which detector fired, where (a JSON pointer, RFC 6901, into the scanned
 * document — the arguments, the tool definition or the result), how bad, and a human-readable detail.
 * A detail never contains a detected secret, only a redacted hint.
 */
export interface Finding {
  detector: DetectorName;
  path: string;
  severity: Severity;
  detail: string;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 1, medium: 2, high: 3, critical: 4 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

/** Raises a severity by one step (capped at critical). */
export function raiseSeverity(s: Severity): Severity {
  return s === 'low' ? 'medium' : s === 'medium' ? 'high' : 'critical';
}
