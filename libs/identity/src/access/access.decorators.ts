import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Permission } from './permission';
import type { Principal } from './principal';

export const PERMISSION_METADATA = 'mandate:permission';
export const PUBLIC_METADATA = 'mandate:public';

/** Declares the one permission an endpoint needs. Endpoints without it (and not @Public) are denied. */
export const RequirePermission = (permission: Permission): MethodDecorator & ClassDecorator =>
  SetMetadata(PERMISSION_METADATA, permission);

/** Marks an endpoint reachable without credentials (health, readiness, metrics, login). Use sparingly. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_METADATA, true);

/** Injects the authenticated Principal of the request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<{ user?: Principal }>();
    if (request.user === undefined)
      throw new Error('CurrentPrincipal used on an endpoint without authentication');
    return request.user;
  },
);
