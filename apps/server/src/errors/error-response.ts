import { HttpException } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { errorCodeForStatus, statusForErrorCode } from './error-status';

/** Body of every error response: `{code, message, requestId, details?}`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  requestId: string;
  details?: Record<string, unknown>;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** True when the cause must be logged (server-side failures). */
  logCause: boolean;
}

const GENERIC_5XX = 'Internal server error';

/** Translates anything thrown while serving a request into the public error shape. */
export function toErrorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof DomainError) {
    return build(statusForErrorCode(error.code), error.code, error.message, requestId, error.details);
  }
  if (error instanceof HttpException && frameworkStatus(error.cause) !== undefined) {
    // Nest wraps Fastify's own errors (body too large, malformed JSON…) in an HttpException.
    const status = error.getStatus();
    return build(status, errorCodeForStatus(status), publicFrameworkMessage(status, error.cause), requestId);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const messages =
      typeof response === 'object' && response !== null
        ? (response as { message?: unknown }).message
        : undefined;
    if (status === 400 && Array.isArray(messages)) {
      return build(400, ErrorCode.ValidationFailed, 'Request validation failed', requestId, {
        errors: messages.map(String),
      });
    }
    const message = typeof messages === 'string' ? messages : error.message;
    return build(status, errorCodeForStatus(status), message, requestId);
  }
  const fastifyStatus = frameworkStatus(error);
  if (fastifyStatus !== undefined) {
    return build(
      fastifyStatus,
      errorCodeForStatus(fastifyStatus),
      publicFrameworkMessage(fastifyStatus, error),
      requestId,
    );
  }
  return build(500, ErrorCode.Internal, GENERIC_5XX, requestId);
}

function build(
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: Readonly<Record<string, unknown>>,
): ErrorResponse {
  if (status >= 500) {
    return {
      status,
      body: { code, message: status === 503 ? 'Service unavailable' : GENERIC_5XX, requestId },
      logCause: true,
    };
  }
  const body: ErrorBody = { code, message, requestId };
  if (details && Object.keys(details).length > 0) body.details = { ...details };
  return { status, body, logCause: false };
}

/** Status carried by errors Fastify raises itself (body too large, malformed JSON, bad content type…). */
function frameworkStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode > 599) return undefined;
  if (typeof code === 'string' && code.startsWith('FST_')) return statusCode;
  if (error instanceof SyntaxError) return statusCode; // JSON body parse errors
  return statusCode < 500 ? statusCode : undefined;
}

function publicFrameworkMessage(status: number, error: unknown): string {
  switch (status) {
    case 413:
      return 'Request body is too large';
    case 415:
      return 'Unsupported media type';
    case 400:
      return error instanceof SyntaxError || /JSON/i.test(String((error as { message?: unknown }).message))
        ? 'Malformed JSON body'
        : 'Bad request';
    default:
      return 'Request rejected';
  }
}
