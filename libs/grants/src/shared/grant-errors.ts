import { DomainError, ErrorCode } from '@mandate/common';

export function grantNotFound(what = 'grant'): DomainError {
  return new DomainError(ErrorCode.NotFound, `No such ${what} in this organisation`);
}

export function invalidGrant(field: string, message: string): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, message, { field });
}

/** A sub-grant that is not provably narrower than its parent. */
export function grantWidening(field: string, message: string): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, `grant_widening: ${message}`, {
    reason: 'grant_widening',
    field,
  });
}

export function grantTokenInvalid(message: string): DomainError {
  return new DomainError(ErrorCode.BadRequest, `grant token rejected: ${message}`, {
    reason: 'grant_token_invalid',
  });
}
