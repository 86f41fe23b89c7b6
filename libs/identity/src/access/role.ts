/** Roles a member (or an admin API key) can hold. Stored as text[] with a CHECK constraint. */
export const ROLES = ['owner', 'admin', 'policy_author', 'approver', 'auditor'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
