import { DomainError } from '@mandate/common';
import { describe, expect, it } from 'vitest';
import { permissionsForRoles } from '../access/permission';
import type { Role } from '../access/role';
import { assertRoleChangeAllowed, type RoleChange } from './member-rules';

const owner = permissionsForRoles(['owner']);
const admin = permissionsForRoles(['admin']);

function codeOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
}

const change = (current: Role[], next: Role[], extra: Partial<RoleChange> = {}): RoleChange => ({
  current,
  next,
  enabledOwnerIds: ['o1', 'o2'],
  targetId: 't',
  targetRemoved: false,
  ...extra,
});

describe('assertRoleChangeAllowed', () => {
  it('lets an owner make another owner', () => {
    expect(codeOf(() => assertRoleChangeAllowed(owner, change(['auditor'], ['owner'])))).toBeNull();
  });

  it('forbids an admin to grant, remove or touch ownership', () => {
    expect(codeOf(() => assertRoleChangeAllowed(admin, change([], ['owner'])))).toBe('forbidden');
    expect(
      codeOf(() => assertRoleChangeAllowed(admin, change(['owner'], ['admin'], { targetId: 'o1' }))),
    ).toBe('forbidden');
    expect(
      codeOf(() =>
        assertRoleChangeAllowed(admin, change(['owner'], ['owner'], { targetId: 'o1', targetRemoved: true })),
      ),
    ).toBe('forbidden');
  });

  it('lets an admin grant and remove the roles it holds the permissions of', () => {
    expect(
      codeOf(() => assertRoleChangeAllowed(admin, change(['auditor'], ['admin', 'approver']))),
    ).toBeNull();
  });

  it('forbids a caller to grant a role with permissions it lacks', () => {
    const author = permissionsForRoles(['policy_author', 'approver']);
    expect(codeOf(() => assertRoleChangeAllowed(author, change([], ['approver'])))).toBeNull();
    expect(codeOf(() => assertRoleChangeAllowed(author, change([], ['auditor'])))).toBe('forbidden');
    expect(codeOf(() => assertRoleChangeAllowed(author, change(['auditor'], [])))).toBe('forbidden');
  });

  it('keeps the last enabled owner: no demotion, no disabling, no removal', () => {
    const last = { enabledOwnerIds: ['o1'], targetId: 'o1' };
    expect(codeOf(() => assertRoleChangeAllowed(owner, change(['owner'], ['admin'], last)))).toBe('conflict');
    expect(
      codeOf(() =>
        assertRoleChangeAllowed(owner, change(['owner'], ['owner'], { ...last, targetRemoved: true })),
      ),
    ).toBe('conflict');
    expect(
      codeOf(() => assertRoleChangeAllowed(owner, change(['owner'], ['owner', 'auditor'], last))),
    ).toBeNull();
  });

  it('allows demoting an owner while another enabled owner remains', () => {
    expect(
      codeOf(() => assertRoleChangeAllowed(owner, change(['owner'], ['admin'], { targetId: 'o1' }))),
    ).toBeNull();
  });

  it('does not count a disabled owner as the remaining owner', () => {
    // o2 is disabled, so it is not in enabledOwnerIds: o1 is the last enabled owner.
    expect(
      codeOf(() =>
        assertRoleChangeAllowed(owner, change(['owner'], [], { enabledOwnerIds: ['o1'], targetId: 'o1' })),
      ),
    ).toBe('conflict');
  });
});
