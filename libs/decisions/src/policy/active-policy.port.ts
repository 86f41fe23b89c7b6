/**
 * The contract between the policy store (libs/policies) and the decision API, exactly as agreed for the
 * issue "Policies and the decision API". The decision API depends on this port only; the module binds it to
 * the store's `ActivePolicyReader` (see decisions.module.ts).
 */
export interface ActivePolicy {
  orgId: string;
  /** Per-organisation, increasing with every activation or rollback; 0 = the built-in baseline. */
  revision: number;
  versionId: string;
  wasm: Uint8Array;
  /** Entrypoint path, `mandate/decision`. */
  entrypoint: string;
  activatedAt: Date;
}

export interface ActivePolicyReaderPort {
  /** The organisation's active policy, or null when it never activated one (the baseline applies). */
  getActive(orgId: string): Promise<ActivePolicy | null>;
  /** The baseline policy compiled from `policies/` (revision 0), compiled once and cached. */
  getBaseline(): Promise<ActivePolicy>;
  /** Optional cheap read of the active revision (0 = none) used by the poll; else the poll calls getActive. */
  getActiveRevision?(orgId: string): Promise<number>;
}

/** Injection token of the ActivePolicyReaderPort the decision API reads policies through. */
export const ACTIVE_POLICY_READER = Symbol('ACTIVE_POLICY_READER');

/** Channel on which the policy store announces `{orgId, revision}` inside the activating transaction. */
export const POLICY_ACTIVATED_CHANNEL = 'mandate_policy_activated';

/** Optional: a reader provided by a global module (tests, embedding apps) takes precedence. */
export const ACTIVE_POLICY_READER_OVERRIDE = Symbol('ACTIVE_POLICY_READER_OVERRIDE');
