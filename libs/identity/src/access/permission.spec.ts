import { describe, expect, it } from 'vitest';
import {
  PERMISSIONS,
  ROLE_PERMISSIONS,
  canGrantRoles,
  permissionsForRoles,
  type Permission,
} from './permission';
import { ROLES } from './role';

const has = (roles: Parameters<typeof permissionsForRoles>[0], permission: Permission) =>
  permissionsForRoles(roles).has(permission);

describe('role → permission table', () => {
  it('gives the owner every permission', () => {
    expect([...permissionsForRoles(['owner'])].sort()).toEqual([...PERMISSIONS].sort());
  });

  it('gives an admin everything except ownership changes', () => {
    const admin = permissionsForRoles(['admin']);
    expect(admin.has('org:ownership')).toBe(false);
    expect(PERMISSIONS.filter((p) => !admin.has(p))).toEqual(['org:ownership']);
  });

  it('limits a policy author to policies (plus what writing them needs)', () => {
    expect(has(['policy_author'], 'policies:write')).toBe(true);
    expect(has(['policy_author'], 'policies:activate')).toBe(true);
    expect(has(['policy_author'], 'members:write')).toBe(false);
    expect(has(['policy_author'], 'approvals:decide')).toBe(false);
    expect(has(['policy_author'], 'audit:read')).toBe(false);
  });

  it('limits an approver to approvals', () => {
    expect(has(['approver'], 'approvals:decide')).toBe(true);
    expect(has(['approver'], 'policies:write')).toBe(false);
    expect(has(['approver'], 'grants:write')).toBe(false);
  });

  it('makes the auditor read-only, including audit read and export', () => {
    const auditor = permissionsForRoles(['auditor']);
    expect(auditor.has('audit:read')).toBe(true);
    expect(auditor.has('audit:export')).toBe(true);
    for (const permission of auditor) {
      expect(
        permission === 'account:self' || permission === 'audit:export' || permission.endsWith(':read'),
      ).toBe(true);
    }
    expect(PERMISSIONS.filter((p) => p.endsWith(':read')).every((p) => auditor.has(p))).toBe(true);
  });

  it('never gives decisions:evaluate to a role other than owner and admin', () => {
    const holders = ROLES.filter((role) => ROLE_PERMISSIONS[role].includes('decisions:evaluate'));
    expect(holders).toEqual(['owner', 'admin']);
  });

  it('gives every member account:self, even with no role', () => {
    expect([...permissionsForRoles([])]).toEqual(['account:self']);
  });

  it('unions the permissions of several roles', () => {
    const both = permissionsForRoles(['approver', 'policy_author']);
    expect(both.has('approvals:decide') && both.has('policies:write')).toBe(true);
  });
});

describe('canGrantRoles', () => {
  it('lets an owner grant every role', () => {
    expect(canGrantRoles(permissionsForRoles(['owner']), [...ROLES])).toBe(true);
  });

  it('lets an admin grant every role but owner', () => {
    const admin = permissionsForRoles(['admin']);
    expect(canGrantRoles(admin, ['admin', 'policy_author', 'approver', 'auditor'])).toBe(true);
    expect(canGrantRoles(admin, ['owner'])).toBe(false);
  });

  it('does not let a policy author grant approver or auditor', () => {
    const author = permissionsForRoles(['policy_author']);
    expect(canGrantRoles(author, ['policy_author'])).toBe(true);
    expect(canGrantRoles(author, ['approver'])).toBe(false);
    expect(canGrantRoles(author, ['auditor'])).toBe(false);
  });
});
