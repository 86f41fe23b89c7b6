import { describe, expect, it } from 'vitest';
import { DomainError } from '@mandate/common';
import { checkPolicyFiles } from './policy-files';
import { POLICY_LIMITS } from './policy-limits';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof DomainError
      ? `${e.code}:${typeof e.details?.file === 'string' ? e.details.file : ''}`
      : 'other';
  }
  return undefined;
}

describe('checkPolicyFiles', () => {
  it('accepts .rego names with folders and returns them sorted', () => {
    const out = checkPolicyFiles({ 'z.rego': 'package z', 'lib/a_test.rego': 'package a', 'A-1.rego': '' });
    expect(Object.keys(out)).toEqual(['A-1.rego', 'lib/a_test.rego', 'z.rego']);
  });

  it('rejects unsafe or odd names', () => {
    for (const name of [
      '../x.rego',
      'a/../b.rego',
      '/abs.rego',
      'x.txt',
      '.rego',
      'a//b.rego',
      'a b.rego',
      `${'a'.repeat(130)}.rego`,
    ]) {
      expect(
        codeOf(() => checkPolicyFiles({ [name]: 'package x' })),
        name,
      ).toMatch(/^validation_failed:/);
    }
  });

  it('rejects non-string sources, non-objects and too many or too large files', () => {
    expect(codeOf(() => checkPolicyFiles({ 'a.rego': 1 }))).toBe('validation_failed:a.rego');
    expect(codeOf(() => checkPolicyFiles(['a.rego']))).toBe('validation_failed:');
    expect(codeOf(() => checkPolicyFiles(null))).toBe('validation_failed:');
    const many = Object.fromEntries(
      Array.from({ length: POLICY_LIMITS.maxFiles + 1 }, (_, i) => [`f${i}.rego`, '']),
    );
    expect(codeOf(() => checkPolicyFiles(many))).toBe('validation_failed:');
    expect(codeOf(() => checkPolicyFiles({ 'big.rego': 'x'.repeat(POLICY_LIMITS.maxFileBytes + 1) }))).toBe(
      'validation_failed:big.rego',
    );
    const total = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [`f${i}.rego`, 'x'.repeat(POLICY_LIMITS.maxFileBytes - 1)]),
    );
    expect(codeOf(() => checkPolicyFiles(total))).toBe('validation_failed:');
  });
});
