import { DomainError, ErrorCode } from '@mandate/common';

/**
 * Signing is impossible: no master key is configured for a server on an external database. A 409 (not a
 * 5xx, whose message the API hides) so the caller reads what to set.
 */
export class AuditSigningUnavailableError extends DomainError {
  constructor() {
    super(
      ErrorCode.Conflict,
      'Audit signing is unavailable: set MANDATE_MASTER_KEY (base64 of 32 random bytes) to sign audit checkpoints and export manifests',
      { reason: 'master_key_missing' },
    );
  }
}
