import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Where a change came from, recorded with its domain event. */
export interface RequestMeta {
  requestId?: string;
  ip?: string;
}

/** Injects the request id and client address of the request. */
export const CurrentRequestMeta = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestMeta => {
    const request = context.switchToHttp().getRequest<{ id?: unknown; ip?: unknown }>();
    return {
      requestId: typeof request.id === 'string' ? request.id : undefined,
      ip: typeof request.ip === 'string' ? request.ip : undefined,
    };
  },
);
