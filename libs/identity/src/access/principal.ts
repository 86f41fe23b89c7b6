import type { Permission } from './permission';
import type { Role } from './role';

/** The authenticated caller of a request, attached by the bearer strategy. */
export interface Principal {
  kind: 'member' | 'api_key';
  orgId: string;
  /** The member (for a JWT), or null for an API key. */
  memberId: string | null;
  /** The API key, or null for a member token. */
  apiKeyId: string | null;
  email: string | null;
  roles: readonly Role[];
  permissions: ReadonlySet<Permission>;
}

/** Who did something, as recorded in domain events. */
export interface Actor {
  type: 'member' | 'api_key' | 'system';
  id: string;
}

/** The system actor: the CLI (`mandate init`) and other work done without a caller. */
export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'system' };

/** An unauthenticated caller (failed logins). */
export const ANONYMOUS_ACTOR: Actor = { type: 'system', id: 'anonymous' };

export function actorOf(principal: Principal | null): Actor {
  if (principal === null) return SYSTEM_ACTOR;
  if (principal.kind === 'member' && principal.memberId !== null)
    return { type: 'member', id: principal.memberId };
  if (principal.kind === 'api_key' && principal.apiKeyId !== null)
    return { type: 'api_key', id: principal.apiKeyId };
  return SYSTEM_ACTOR;
}
