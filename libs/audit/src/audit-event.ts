/** Who performed the action recorded by an audit event. */
export interface AuditActor {
  type: string;
  id: string;
}

/** What the action was about. */
export interface AuditSubject {
  type: string;
  id: string;
}

/**
 * A domain event as handed to the audit log (before masking and sequencing). `time` is the instant the
 * event occurred; it is recorded with millisecond precision.
 */
export interface AuditEventInput {
  id: string;
  org: string | null;
  time: Date | string;
  type: string;
  actor: AuditActor;
  subject?: AuditSubject | null;
  data: Record<string, unknown>;
  requestId?: string | null;
  ip?: string | null;
  /**
   * Extra masking paths (each starting with `$.data`) for this event only, on top of the organisation's
   * configured ones — e.g. a policy's `redact_arguments` obligation. Not hashed itself: the event's
   * `masked` list records what was masked. An invalid path masks the whole `$.data.input.arguments`.
   */
  maskPaths?: readonly string[];
}

/** Version of the hashed event shape below; bump when a field is added or its meaning changes. */
export const AUDIT_EVENT_VERSION = 1;

/**
 * "The event" that is hashed: exactly these fields, canonicalised with RFC 8785 (JCS). Every field is
 * always present (absent values are `null`) so that the hashed bytes never depend on a serialiser's
 * treatment of `undefined`. See docs/adr/0004-audit-hash-chain.md.
 */
export interface AuditEvent {
  /** Shape version, {@link AUDIT_EVENT_VERSION}. */
  v: number;
  /** Gap-free sequence number within the organisation, starting at 1. */
  seq: number;
  id: string;
  org: string | null;
  /** RFC 3339 UTC with milliseconds, e.g. `2026-11-23T14:05:00.000Z`. */
  time: string;
  type: string;
  actor: AuditActor;
  subject: AuditSubject | null;
  /** Event payload AFTER masking. */
  data: Record<string, unknown>;
  /** Concrete JSON paths (e.g. `$.data.arguments.password`) that were masked, sorted. */
  masked: string[];
  requestId: string | null;
  ip: string | null;
}

/** An event with its position in the organisation's hash chain (hex-encoded SHA-256 values). */
export interface AuditRecord {
  event: AuditEvent;
  /** The exact bytes hashed: RFC 8785 canonical JSON of `event`. Stored and exported verbatim. */
  canonical: string;
  /** SHA-256(0x00 ‖ JCS(event)): also the RFC 6962 Merkle leaf hash. */
  leaf: string;
  /** SHA-256(previous hash ‖ leaf); the previous hash of seq 1 is 32 zero bytes. */
  hash: string;
}
