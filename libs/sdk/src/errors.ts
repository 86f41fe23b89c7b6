/** Mandate could not be reached or kept failing (network error, timeout, 5xx) after the allowed retries. */
export class MandateUnavailableError extends Error {
  override readonly name = 'MandateUnavailableError';
  constructor(
    message: string,
    readonly status: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Mandate refused the request (4xx): bad credentials, missing permission, malformed request. Retrying the
 * same request cannot help. `code` is the problem+json `code` when the server sent one.
 */
export class MandateRequestError extends Error {
  override readonly name = 'MandateRequestError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}
