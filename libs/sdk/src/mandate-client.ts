import { failClosed } from './decision-mapping';
import { MandateRequestError, MandateUnavailableError } from './errors';
import { HttpTransport, type HttpTransportOptions } from './http-transport';
import type { ApprovalState, Decision, DecisionRequest, RequestContext, ToolDefinition } from './types';

export interface MandateClientOptions extends HttpTransportOptions {
  /**
   * Send `outcome` ({status, durationMs}) with phase-`result` decisions. Off by default: the decision API
   * refuses unknown fields, so turn it on only for servers that accept it. (`result` is always sent with
   * phase `result`; the server requires it.)
   */
  sendOutcome?: boolean;
}

/** Most items one `POST /v1/decisions/batch` accepts; larger lists are split. */
export const MAX_BATCH_ITEMS = 100;
/** Longest single long-poll the client asks for (seconds). */
const MAX_WAIT_SECONDS = 60;

type RawDecision = Omit<Decision, 'source'>;

const PENDING = new Set(['pending']);

/**
 * The TypeScript client of Mandate's gateway-facing API: decisions (single and batch), catalog reports,
 * approval long-polls and policy bundles. No framework; Node 20's fetch.
 *
 * Retries: reads, catalog reports and approval polls are retried on network errors, timeouts and
 * 408/429/5xx. A decision is recorded by Mandate once per request and is NOT deduplicated, so `decide` and
 * `decideBatch` retry only when the request cannot have been processed (connection refused, DNS failure,
 * 429, 503); every attempt carries the same `x-request-id`. A decision whose answer was lost (timeout) is
 * not retried: callers fail closed ({@link MandateClient.decideOrDeny}).
 */
export class MandateClient {
  readonly http: HttpTransport;
  private readonly sendOutcome: boolean;

  constructor(options: MandateClientOptions) {
    this.http = new HttpTransport(options);
    this.sendOutcome = options.sendOutcome ?? false;
  }

  /** One decision. Throws MandateUnavailableError / MandateRequestError; never returns an allow on error. */
  async decide(request: DecisionRequest, context?: RequestContext): Promise<Decision> {
    const answer = await this.http.send<RawDecision>({
      method: 'POST',
      path: '/v1/decisions',
      body: this.wire(request),
      retry: 'unprocessed-only',
      context,
    });
    return checked(answer.body);
  }

  /** Like {@link decide}, but any failure becomes a deny (`mandate_unavailable` / `mandate_refused`). */
  async decideOrDeny(request: DecisionRequest, context?: RequestContext): Promise<Decision> {
    try {
      return await this.decide(request, context);
    } catch (error) {
      return denyFor(error);
    }
  }

  /** Several decisions, in order (split into batches of 100). Each item is its own recorded decision. */
  async decideBatch(requests: DecisionRequest[], context?: RequestContext): Promise<Decision[]> {
    const out: Decision[] = [];
    for (let start = 0; start < requests.length; start += MAX_BATCH_ITEMS) {
      const items = requests.slice(start, start + MAX_BATCH_ITEMS).map((r) => this.wire(r));
      const answer = await this.http.send<{ items?: RawDecision[] }>({
        method: 'POST',
        path: '/v1/decisions/batch',
        body: { items },
        retry: 'unprocessed-only',
        context,
      });
      const got = answer.body?.items;
      if (!Array.isArray(got) || got.length !== items.length) {
        throw new MandateUnavailableError('Mandate sent a malformed batch answer', answer.status);
      }
      out.push(...got.map(checked));
    }
    return out;
  }

  /** {@link decideBatch} that fails closed: on any failure every item is a deny. */
  async decideBatchOrDeny(requests: DecisionRequest[], context?: RequestContext): Promise<Decision[]> {
    try {
      return await this.decideBatch(requests, context);
    } catch (error) {
      return requests.map(() => denyFor(error));
    }
  }

  /** Reports a server's tool definitions to the catalog (`POST /v1/catalog/report`). Idempotent. */
  async reportCatalog(
    server: { name: string; url?: string },
    tools: ToolDefinition[],
    context?: RequestContext,
  ): Promise<unknown> {
    const answer = await this.http.send<unknown>({
      method: 'POST',
      path: '/v1/catalog/report',
      body: { server, tools },
      retry: 'idempotent',
      context,
    });
    return answer.body;
  }

  /**
   * One long-poll of an approval request (`GET /v1/approvals/{id}/status?wait=N`): answers as soon as it leaves
   * `pending`, or after `waitSeconds` (≤ 60) still pending.
   */
  async getApproval(id: string, waitSeconds = 0, context?: RequestContext): Promise<ApprovalState> {
    const wait = Math.max(0, Math.min(MAX_WAIT_SECONDS, Math.floor(waitSeconds)));
    const answer = await this.http.send<ApprovalState>({
      method: 'GET',
      path: `/v1/approvals/${encodeURIComponent(id)}/status${wait > 0 ? `?wait=${wait}` : ''}`,
      retry: 'idempotent',
      context,
      timeoutMs: (wait + 10) * 1000,
    });
    if (!answer.body || typeof answer.body.state !== 'string') {
      throw new MandateUnavailableError('Mandate sent a malformed approval', answer.status);
    }
    return answer.body;
  }

  /**
   * Waits for an approval request to leave its pending state, long-polling until `timeoutMs` has passed.
   * Returns the last state seen (still pending when the time ran out).
   */
  async waitForApproval(id: string, timeoutMs: number, context?: RequestContext): Promise<ApprovalState> {
    const deadline = Date.now() + timeoutMs;
    let state = await this.getApproval(id, 0, context);
    while (isPending(state) && Date.now() < deadline) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      if (left <= 0) break;
      state = await this.getApproval(id, Math.min(MAX_WAIT_SECONDS, left), context);
    }
    return state;
  }

  /**
   * The organisation's policy bundle (`GET /v1/bundles/{org}`, OPA bundle format). With `etag`, answers
   * `{notModified: true}` when it has not changed.
   */
  async fetchBundle(
    org: string,
    etag?: string,
    context?: RequestContext,
  ): Promise<{ notModified: true } | { notModified: false; etag: string | null; bytes: Uint8Array }> {
    const answer = await this.http.send<Uint8Array>({
      method: 'GET',
      path: `/v1/bundles/${encodeURIComponent(org)}`,
      retry: 'idempotent',
      binary: true,
      headers: etag ? { 'if-none-match': etag } : {},
      context,
    });
    if (answer.status === 304) return { notModified: true };
    if (!answer.body) throw new MandateUnavailableError('Mandate sent an empty bundle', answer.status);
    return { notModified: false, etag: answer.headers.get('etag'), bytes: answer.body };
  }

  private wire(request: DecisionRequest): Record<string, unknown> {
    const { result, outcome, ...rest } = request;
    if (request.phase !== 'result') return rest;
    return { ...rest, result: result ?? {}, ...(this.sendOutcome && outcome ? { outcome } : {}) };
  }
}

/** True while an approval request still waits for people. */
export function isPending(state: ApprovalState): boolean {
  return PENDING.has(state.state);
}

function checked(raw: RawDecision | undefined): Decision {
  if (
    !raw ||
    (raw.decision !== 'allow' && raw.decision !== 'deny' && raw.decision !== 'pending_approval') ||
    typeof raw.decisionId !== 'string'
  ) {
    // Anything that is not a well-formed decision is treated as no answer (fail closed by callers).
    throw new MandateUnavailableError('Mandate sent a malformed decision');
  }
  return {
    decision: raw.decision,
    decisionId: raw.decisionId,
    reasons: Array.isArray(raw.reasons) ? raw.reasons : [],
    obligations: raw.obligations && typeof raw.obligations === 'object' ? raw.obligations : {},
    approval: raw.approval ?? null,
    policyRevision: raw.policyRevision ?? null,
    consistencyToken: raw.consistencyToken ?? null,
    source: 'remote',
  };
}

function denyFor(error: unknown): Decision {
  if (error instanceof MandateRequestError) {
    return failClosed('mandate_refused', `Mandate refused the decision request (${error.status})`);
  }
  return failClosed('mandate_unavailable', 'Mandate is unreachable; the call is denied (fail closed)');
}
