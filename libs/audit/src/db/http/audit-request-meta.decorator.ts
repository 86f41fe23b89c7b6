import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Where an audited request came from. */
export interface AuditRequestMeta {
  requestId?: string;
  ip?: string;
}

/** Injects the request id and client address (recorded with the `audit.exported` event). */
export const CurrentAuditRequestMeta = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuditRequestMeta => {
    const request = context.switchToHttp().getRequest<{ id?: unknown; ip?: unknown }>();
    return {
      ...(typeof request.id === 'string' ? { requestId: request.id } : {}),
      ...(typeof request.ip === 'string' ? { ip: request.ip } : {}),
    };
  },
);
