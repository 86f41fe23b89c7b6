/** A decision as the recorder stores it (one row of `decisions`). */
export interface DecisionRecord {
  id: string;
  orgId: string;
  decidedAt: Date;
  agentId: string | null;
  agentName: string;
  server: string;
  tool: string;
  phase: string;
  decision: string;
  reasons: unknown;
  obligations: unknown;
  /** The input document as JSON text (already serialised for the policy). */
  inputJson: string;
  policyRevision: number | null;
  latencyUs: number;
  apiKeyId: string | null;
  requestId: string;
}
