import { DomainError } from '@mandate/common';
import { describe, expect, it } from 'vitest';
import { permissionsForRoles } from '../access/permission';
import { assertKeyAllowed, keyPermissions, type NewApiKey } from './api-key.service';

const now = new Date('2026-11-23T12:00:00Z');

function codeOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
}

describe('API key permissions', () => {
  it('gives a gateway key decisions:evaluate and nothing of the admin API', () => {
    expect([...keyPermissions({ scopes: ['decisions:evaluate'], role: null })].sort()).toEqual([
      'account:self',
      'decisions:evaluate',
    ]);
  });

  it("gives an admin key its role's permissions, without decisions:evaluate unless the role has it", () => {
    const auditor = keyPermissions({ scopes: ['admin'], role: 'auditor' });
    expect(auditor.has('members:read')).toBe(true);
    expect(auditor.has('members:write')).toBe(false);
    expect(auditor.has('decisions:evaluate')).toBe(false);
    expect(keyPermissions({ scopes: ['admin'], role: 'admin' }).has('decisions:evaluate')).toBe(true);
  });

  it('ignores a role without the admin scope', () => {
    expect(keyPermissions({ scopes: ['decisions:evaluate'], role: 'owner' }).has('members:write')).toBe(
      false,
    );
  });
});

describe('assertKeyAllowed', () => {
  const admin = permissionsForRoles(['admin']);
  const allowed = (caller: ReturnType<typeof permissionsForRoles>, key: NewApiKey) =>
    codeOf(() => assertKeyAllowed(caller, key, now));

  it('requires a role exactly when the admin scope is asked for', () => {
    expect(allowed(admin, { name: 'k', scopes: ['admin'] })).toBe('validation_failed');
    expect(allowed(admin, { name: 'k', scopes: ['decisions:evaluate'], role: 'auditor' })).toBe(
      'validation_failed',
    );
    expect(allowed(admin, { name: 'k', scopes: ['admin'], role: 'auditor' })).toBeNull();
  });

  it('refuses expiry dates in the past', () => {
    expect(
      allowed(admin, {
        name: 'k',
        scopes: ['decisions:evaluate'],
        expiresAt: new Date('2026-11-23T11:59:59Z'),
      }),
    ).toBe('validation_failed');
    expect(
      allowed(admin, {
        name: 'k',
        scopes: ['decisions:evaluate'],
        expiresAt: new Date('2026-11-24T00:00:00Z'),
      }),
    ).toBeNull();
  });

  it('never mints a key stronger than its creator', () => {
    expect(allowed(admin, { name: 'k', scopes: ['admin'], role: 'owner' })).toBe('forbidden');
    const author = permissionsForRoles(['policy_author']);
    expect(allowed(author, { name: 'k', scopes: ['decisions:evaluate'] })).toBe('forbidden');
    expect(allowed(author, { name: 'k', scopes: ['admin'], role: 'policy_author' })).toBeNull();
    expect(allowed(author, { name: 'k', scopes: ['admin'], role: 'auditor' })).toBe('forbidden');
    expect(
      allowed(permissionsForRoles(['owner']), {
        name: 'k',
        scopes: ['admin', 'decisions:evaluate'],
        role: 'owner',
      }),
    ).toBeNull();
  });
});
