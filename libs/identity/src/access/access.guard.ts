import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainError, ErrorCode } from '@mandate/common';
import { BEARER_STRATEGY } from '../auth/bearer.strategy';
import { PERMISSION_METADATA, PUBLIC_METADATA } from './access.decorators';
import type { Permission } from './permission';
import type { Principal } from './principal';

/**
 * The global guard (APP_GUARD) of the HTTP API. For each endpoint:
 * - `@Public()` → allowed without credentials;
 * - otherwise the bearer credential must be valid (401), and the principal must hold the permission
 *   declared with `@RequirePermission(...)` (403);
 * - an endpoint that declares neither fails closed (403), so a forgotten decorator never opens a hole.
 */
@Injectable()
export class AccessGuard extends AuthGuard(BEARER_STRATEGY) {
  private readonly logger = new Logger('AccessGuard');

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_METADATA, targets) === true) return true;
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_METADATA, targets);
    await super.canActivate(context);
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (principal === undefined) throw new DomainError(ErrorCode.Unauthenticated, 'Authentication required');
    if (permission === undefined) {
      this.logger.error(
        `Endpoint ${context.getClass().name}.${context.getHandler().name} declares no permission; denied`,
      );
      throw new DomainError(ErrorCode.Forbidden, 'This endpoint is not available');
    }
    requirePermission(principal, permission);
    return true;
  }

  override handleRequest<TUser = Principal>(error: unknown, user: unknown): TUser {
    if (error instanceof Error) throw error;
    if (error !== null && error !== undefined)
      throw new DomainError(ErrorCode.Unauthenticated, 'Authentication failed');
    if (user === false || user === null || user === undefined) throw missingCredential();
    return user as TUser;
  }
}

/** The 401 of a request without a valid credential. */
export function missingCredential(): DomainError {
  return new DomainError(ErrorCode.Unauthenticated, 'A valid bearer token or API key is required');
}

/** Throws the 403 of the guard when `principal` lacks `permission`. */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (!principal.permissions.has(permission)) {
    throw new DomainError(ErrorCode.Forbidden, `Missing permission ${permission}`, { permission });
  }
}
