import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { RequestMeta } from './request-meta';

/** Injects the request id and client address of the request (recorded with domain events). */
export const CurrentRequestMeta = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestMeta => {
    const request = context.switchToHttp().getRequest<{ id?: unknown; ip?: unknown }>();
    return {
      requestId: typeof request.id === 'string' ? request.id : undefined,
      ip: typeof request.ip === 'string' ? request.ip : undefined,
    };
  },
);
