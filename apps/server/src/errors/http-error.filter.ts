import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-response';

/** The one global filter: every error leaves the API as `{code, message, requestId, details?}`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendErrorResponse(
      error,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.logger,
    );
  }
}

/** Answers `error` in the one error shape; also used by routes served outside Nest (the decision route). */
export function sendErrorResponse(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Logger = fallbackLogger,
): void {
  const { status, body, logCause } = toErrorResponse(error, request.id);
  if (logCause) {
    request.log.error({ err: error, requestId: request.id }, 'request failed');
  } else if (status >= 400) {
    logger.debug?.(`${request.method} ${request.routeOptions?.url ?? 'unmatched'} → ${status} ${body.code}`);
  }
  void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
}

const fallbackLogger = new Logger('HttpErrorFilter');
