import { DomainError, ErrorCode } from '@mandate/common';
import type { SandboxViolation } from '../violations/sandbox-violation';

/** A call failed because the sandbox stopped the server (limit reached, killed). */
export class SandboxViolationError extends DomainError {
  constructor(readonly violation: SandboxViolation) {
    super(ErrorCode.Unavailable, `sandbox: ${violation.detail}`, { kind: violation.kind });
  }
}
