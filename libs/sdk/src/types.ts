/** The phase of a decision: listing tools, calling one, or reporting (and gating) a call's result. */
export type DecisionPhase = 'list' | 'call' | 'result';

export type DecisionValue = 'allow' | 'deny' | 'pending_approval';

/** An MCP tool definition as a server declares it (name, description, inputSchema, annotations, …). */
export type ToolDefinition = Record<string, unknown> & { name: string };

/** One decision request (`POST /v1/decisions`); see the Decision API in the top README. */
export interface DecisionRequest {
  /** The agent's name, resolved in the API key's organisation. */
  agent: string;
  /** The human the agent acts for, when the gateway knows one. */
  principal?: { id: string; email?: string; groups?: string[] } | null;
  server: { name: string; url?: string };
  tool: { name: string; definition?: ToolDefinition };
  arguments: Record<string, unknown>;
  phase: DecisionPhase;
  context?: { session?: string };
  consistencyToken?: string;
  /** Phase `result` only (required there): the tool's result, e.g. an MCP CallToolResult. */
  result?: Record<string, unknown>;
  /** Phase `result` only: how the call went (sent when the client's `sendOutcome` is on). */
  outcome?: CallOutcome;
}

/** How an upstream call went (reported with phase `result`). */
export interface CallOutcome {
  status: 'ok' | 'tool_error' | 'upstream_error' | 'timeout';
  durationMs: number;
}

export interface DecisionReason {
  code: string;
  message: string;
}

/** Where a pending decision waits: `GET /v1/approvals/{id}?wait=N`. */
export interface ApprovalRef {
  id?: string;
  url?: string;
  retryAfter?: number;
  /** The policy's `require_approval` object. */
  requirement?: unknown;
  [extra: string]: unknown;
}

/** Where an answer came from: Mandate, the local bundle, or a fail-closed deny made by the client. */
export type DecisionSource = 'remote' | 'local' | 'fail_closed';

/** A decision (`POST /v1/decisions` answer), plus where it came from. */
export interface Decision {
  decision: DecisionValue;
  decisionId: string;
  reasons: DecisionReason[];
  obligations: Record<string, unknown>;
  approval: ApprovalRef | null;
  policyRevision: number | null;
  consistencyToken: string | null;
  source: DecisionSource;
}

/** The state of an approval request (`GET /v1/approvals/{id}/status`). */
export interface ApprovalState {
  id: string;
  /** `pending`, `approved`, `denied`, `expired`, `cancelled` or `consumed`. */
  state: string;
  /** `once` (the next identical call) or `window` (calls of the same tool until `usableUntil`). */
  mode?: string;
  expiresAt?: string;
  usableUntil?: string | null;
  retryAfter?: number;
  [extra: string]: unknown;
}

/** Outgoing-request context: the W3C trace context and a caller-chosen request id. */
export interface RequestContext {
  traceparent?: string;
  tracestate?: string;
  requestId?: string;
  signal?: AbortSignal;
}
