import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-response';

/** The one global filter: every error leaves the API as `{code, message, requestId, details?}`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, body, logCause } = toErrorResponse(error, request.id);
    if (logCause) {
      request.log.error({ err: error, requestId: request.id }, 'request failed');
    } else if (status >= 400) {
      this.logger.debug?.(
        `${request.method} ${request.routeOptions?.url ?? 'unmatched'} → ${status} ${body.code}`,
      );
    }
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
