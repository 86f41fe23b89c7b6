import { DomainError, ErrorCode } from '@mandate/common';
import { canGrantRoles, type Permission } from '../access/permission';
import type { Role } from '../access/role';

export interface RoleChange {
  /** Roles the target has now ([] for a new member). */
  current: readonly Role[];
  /** Roles the target will have. */
  next: readonly Role[];
  /** Owners of the organisation that are enabled, including the target if it is one. */
  enabledOwnerIds: readonly string[];
  targetId: string | null;
  /** Will the target be disabled (or deleted) after the change? */
  targetRemoved: boolean;
}

/**
 * Guard rails on membership changes, kept free of I/O so they can be tested exhaustively:
 * - touching an owner, or making one, needs `org:ownership` (owners only);
 * - a caller can only add or remove roles whose permissions they hold;
 * - the last enabled owner can be neither demoted, disabled nor removed.
 */
export function assertRoleChangeAllowed(caller: ReadonlySet<Permission>, change: RoleChange): void {
  const touchesOwner = change.current.includes('owner') || change.next.includes('owner');
  if (touchesOwner && !caller.has('org:ownership')) {
    throw new DomainError(ErrorCode.Forbidden, 'Only an owner can change an owner or grant ownership');
  }
  const added = change.next.filter((role) => !change.current.includes(role));
  const removed = change.current.filter((role) => !change.next.includes(role));
  const changed = [...added, ...removed];
  if (!canGrantRoles(caller, changed)) {
    throw new DomainError(
      ErrorCode.Forbidden,
      'You cannot grant or remove roles with permissions you do not have',
      {
        roles: changed.filter((role) => !canGrantRoles(caller, [role])),
      },
    );
  }
  const wasEnabledOwner = change.targetId !== null && change.enabledOwnerIds.includes(change.targetId);
  const staysEnabledOwner = change.next.includes('owner') && !change.targetRemoved;
  if (wasEnabledOwner && !staysEnabledOwner && change.enabledOwnerIds.length <= 1) {
    throw new DomainError(
      ErrorCode.Conflict,
      'The last owner of an organisation cannot be removed, disabled or demoted',
    );
  }
}
