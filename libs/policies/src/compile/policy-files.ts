import { DomainError, ErrorCode } from '@mandate/common';
import { POLICY_FILE_NAME, POLICY_LIMITS } from './policy-limits';

/**
 * Checks a set of Rego files against the naming and size limits. Throws `validation_failed` naming the
 * first offending file; the files are returned as a fresh object with sorted keys.
 */
export function checkPolicyFiles(files: unknown): Record<string, string> {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new DomainError(ErrorCode.ValidationFailed, 'files must be an object of file name → Rego source', {
      field: 'files',
    });
  }
  const entries = Object.entries(files as Record<string, unknown>);
  if (entries.length > POLICY_LIMITS.maxFiles) {
    throw new DomainError(ErrorCode.ValidationFailed, `At most ${POLICY_LIMITS.maxFiles} files`, {
      field: 'files',
      limit: POLICY_LIMITS.maxFiles,
    });
  }
  let total = 0;
  const out: Record<string, string> = {};
  for (const [name, text] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.length > 128 || !POLICY_FILE_NAME.test(name)) {
      throw new DomainError(
        ErrorCode.ValidationFailed,
        'File names end in .rego and use letters, digits, "_", "-", "." and "/" (no "..", at most 128 characters)',
        { field: 'files', file: name.slice(0, 128) },
      );
    }
    if (typeof text !== 'string') {
      throw new DomainError(ErrorCode.ValidationFailed, 'Each file must be a string of Rego source', {
        field: 'files',
        file: name,
      });
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > POLICY_LIMITS.maxFileBytes) {
      throw new DomainError(
        ErrorCode.ValidationFailed,
        `A file is at most ${POLICY_LIMITS.maxFileBytes} bytes`,
        {
          field: 'files',
          file: name,
          limit: POLICY_LIMITS.maxFileBytes,
        },
      );
    }
    total += bytes;
    out[name] = text;
  }
  if (total > POLICY_LIMITS.maxTotalBytes) {
    throw new DomainError(
      ErrorCode.ValidationFailed,
      `All files together are at most ${POLICY_LIMITS.maxTotalBytes} bytes`,
      {
        field: 'files',
        limit: POLICY_LIMITS.maxTotalBytes,
      },
    );
  }
  return out;
}

/** True for test files (`*_test.rego`), left out of the baseline policy. */
export function isTestFile(name: string): boolean {
  return name.endsWith('_test.rego');
}
