import { randomUUID } from 'node:crypto';
import { MandateRequestError, MandateUnavailableError } from './errors';
import type { RequestContext } from './types';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** Mandate's base URL, e.g. `https://mandate.example.com`. */
  baseUrl: string;
  /** A gateway API key (`mnd_…`, scope `decisions:evaluate`). Sent as a bearer token, never logged. */
  apiKey: string;
  /** Per-attempt timeout (default 5,000 ms). */
  timeoutMs?: number;
  /** Extra attempts after the first (default 2). */
  retries?: number;
  /** First backoff delay; doubles per attempt with full jitter, capped at 2 s (default 100 ms). */
  backoffMs?: number;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: FetchLike;
  /**
   * The one place outgoing headers are built: gets the request context, returns extra headers
   * (default: `traceparent`/`tracestate` from the context). An OpenTelemetry propagator plugs in here.
   */
  headers?: (context: RequestContext) => Record<string, string>;
  userAgent?: string;
}

/** How a request may be retried. */
export type RetryMode =
  /** Reading, or a write the server deduplicates: retry on network errors, timeouts, 408/429/5xx. */
  | 'idempotent'
  /**
   * A write that is not deduplicated (a decision is recorded once per request): retry only when the server
   * cannot have processed it (connection refused, DNS failure, 429, 503).
   */
  | 'unprocessed-only';

export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  retry: RetryMode;
  context?: RequestContext;
  /** Extra request headers (e.g. `if-none-match`). */
  headers?: Record<string, string>;
  /** Overrides the per-attempt timeout (long-polls). */
  timeoutMs?: number;
  /** Read the answer as bytes instead of JSON. */
  binary?: boolean;
}

export interface HttpAnswer<T> {
  status: number;
  headers: Headers;
  body: T | undefined;
}

const NOT_PROCESSED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const NOT_PROCESSED_STATUS = new Set([429, 503]);

/** The W3C trace headers of a request context (the default outgoing-header builder). */
export function traceHeaders(context: RequestContext): Record<string, string> {
  const headers: Record<string, string> = {};
  if (context.traceparent) headers.traceparent = context.traceparent;
  if (context.tracestate) headers.tracestate = context.tracestate;
  return headers;
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

/**
 * JSON over fetch with a timeout per attempt and bounded, jittered retries. Every attempt of one call
 * carries the same `x-request-id`, so a retried decision can be matched in Mandate's log.
 */
export class HttpTransport {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly fetchFn: FetchLike;
  private readonly headerBuilder: (context: RequestContext) => Record<string, string>;

  constructor(private readonly options: HttpTransportOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error('the Mandate URL must be http or https');
    }
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.retries = Math.max(0, options.retries ?? 2);
    this.backoffMs = options.backoffMs ?? 100;
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.headerBuilder = options.headers ?? traceHeaders;
  }

  async send<T>(call: HttpCall): Promise<HttpAnswer<T>> {
    const context = call.context ?? {};
    const requestId = context.requestId ?? randomUUID();
    const headers: Record<string, string> = {
      accept: call.binary ? 'application/octet-stream, application/gzip, */*' : 'application/json',
      authorization: `Bearer ${this.options.apiKey}`,
      'x-request-id': requestId,
      ...(this.options.userAgent ? { 'user-agent': this.options.userAgent } : {}),
      ...this.headerBuilder(context),
      ...(call.headers ?? {}),
    };
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let lastError: MandateUnavailableError | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt += 1) {
      if (attempt > 0) {
        const cap = Math.min(2_000, this.backoffMs * 2 ** (attempt - 1));
        await sleep(Math.random() * cap, context.signal);
      }
      const timeout = AbortSignal.timeout(call.timeoutMs ?? this.timeoutMs);
      const signal = context.signal ? AbortSignal.any([context.signal, timeout]) : timeout;
      let response: Response;
      try {
        response = await this.fetchFn(`${this.baseUrl}${call.path}`, {
          method: call.method,
          headers,
          body: payload,
          signal,
        });
      } catch (error) {
        if (context.signal?.aborted) throw error;
        const code = errorCode(error);
        const timedOut = timeout.aborted;
        lastError = new MandateUnavailableError(
          timedOut
            ? `Mandate did not answer within ${call.timeoutMs ?? this.timeoutMs} ms`
            : `Mandate is unreachable (${code ?? 'network error'})`,
          null,
          { cause: error },
        );
        const retryable =
          call.retry === 'idempotent' || (code !== undefined && NOT_PROCESSED_CODES.has(code));
        if (!retryable) throw lastError;
        continue;
      }
      if (response.status < 400 || response.status === 304) {
        return {
          status: response.status,
          headers: response.headers,
          body: await this.read<T>(response, call),
        };
      }
      const problem = await response.text().catch(() => '');
      const retryable =
        call.retry === 'idempotent'
          ? RETRYABLE_STATUS.has(response.status)
          : NOT_PROCESSED_STATUS.has(response.status);
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        lastError = new MandateUnavailableError(`Mandate answered ${response.status}`, response.status);
        if (retryable) continue;
        throw lastError;
      }
      throw requestError(response.status, problem);
    }
    throw lastError ?? new MandateUnavailableError('Mandate is unreachable');
  }

  private async read<T>(response: Response, call: HttpCall): Promise<T | undefined> {
    if (response.status === 204 || response.status === 304) return undefined;
    if (call.binary) return new Uint8Array(await response.arrayBuffer()) as T;
    const text = await response.text();
    if (text.length === 0) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new MandateUnavailableError('Mandate sent a malformed answer', response.status, { cause: error });
    }
  }
}

function requestError(status: number, text: string): MandateRequestError {
  let code: string | null = null;
  let message = `Mandate refused the request (${status})`;
  let requestId: string | null = null;
  try {
    const problem = JSON.parse(text) as { code?: unknown; message?: unknown; requestId?: unknown };
    if (typeof problem.code === 'string') code = problem.code;
    if (typeof problem.message === 'string') message = `${message}: ${problem.message}`;
    if (typeof problem.requestId === 'string') requestId = problem.requestId;
  } catch {
    // not problem+json: keep the generic message
  }
  return new MandateRequestError(message, status, code, requestId);
}
