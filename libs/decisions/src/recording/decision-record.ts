/** A decision as the recorder stores it (one row of `decisions`, one `tool_call.decided` audit event). */
export interface DecisionRecord {
  id: string;
  orgId: string;
  decidedAt: Date;
  agentId: string | null;
  agentName: string;
  server: string;
  tool: string;
  phase: string;
  /** The input document as JSON text (already serialised for the policy). */
  inputJson: string;
  policyRevision: number | null;
  latencyUs: number;
  apiKeyId: string | null;
  requestId: string;
  /** Facts the pipeline stages recorded (pinned digest, grants consumed, approval, trace id, …). */
  facts: Record<string, unknown>;
}
