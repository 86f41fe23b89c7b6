import type { Role } from './role';

/**
 * Every permission the platform knows. Endpoints declare exactly one of these with
 * `@RequirePermission(...)`; the global AccessGuard denies anything else.
 */
export const PERMISSIONS = [
  'account:self',
  'org:read',
  'org:write',
  'org:ownership',
  'members:read',
  'members:write',
  'agents:read',
  'agents:write',
  'api_keys:read',
  'api_keys:write',
  'policies:read',
  'policies:write',
  'policies:activate',
  'grants:read',
  'grants:write',
  'approvals:read',
  'approvals:decide',
  'catalog:read',
  'catalog:write',
  'decisions:read',
  'decisions:evaluate',
  'audit:read',
  'audit:export',
  'metrics:read',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const READ_ONLY: readonly Permission[] = PERMISSIONS.filter((p) => p.endsWith(':read'));

/**
 * The one table mapping roles to permissions.
 * - owner: everything.
 * - admin: everything except ownership changes (granting or removing the owner role).
 * - policy_author: policies (and what is needed to write them: catalog, agents, decisions read).
 * - approver: approvals (and what is needed to judge a request).
 * - auditor: read-only on everything, including the audit log and its export.
 * Every member also has `account:self` (their own profile and password).
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS.filter((p) => p !== 'org:ownership'),
  policy_author: [
    'account:self',
    'org:read',
    'policies:read',
    'policies:write',
    'policies:activate',
    'catalog:read',
    'agents:read',
    'decisions:read',
  ],
  approver: ['account:self', 'org:read', 'approvals:read', 'approvals:decide', 'agents:read', 'grants:read'],
  auditor: ['account:self', ...READ_ONLY, 'audit:export'],
};

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

/** Union of the permissions of the given roles; every member has `account:self`. */
export function permissionsForRoles(roles: readonly Role[]): ReadonlySet<Permission> {
  const set = new Set<Permission>(['account:self']);
  for (const role of roles) {
    for (const permission of ROLE_PERMISSIONS[role]) set.add(permission);
  }
  return set;
}

/**
 * A caller can only hand out roles whose permissions they already hold ("a member cannot grant
 * roles they do not have"): an admin can make someone an auditor, never an owner.
 */
export function canGrantRoles(holder: ReadonlySet<Permission>, wanted: readonly Role[]): boolean {
  return wanted.every((role) => ROLE_PERMISSIONS[role].every((permission) => holder.has(permission)));
}
