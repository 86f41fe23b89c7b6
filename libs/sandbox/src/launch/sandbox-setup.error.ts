import { DomainError, ErrorCode } from '@mandate/common';

/**
 * The sandbox cannot be set up as the profile asks: the server must not start (fail closed). `reason` is a
 * short stable code (`bwrap_missing`, `bwrap_failed`, `path_missing`, `network_allowlist_unsupported`,
 * `secret_missing`, `command_not_found`, `cwd_not_visible`, `profile_invalid`), the message says what to fix.
 */
export class SandboxSetupError extends DomainError {
  constructor(
    readonly reason: string,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(ErrorCode.Unavailable, `sandbox: ${message}`, { reason, ...details });
  }
}
