import type { ApprovalRequestRef, DecisionReason, DecisionValue } from './decision-outcome';

/** The answer to one decision request. */
export interface DecisionResult {
  decision: DecisionValue;
  decisionId: string;
  reasons: DecisionReason[];
  obligations: Record<string, unknown>;
  /** The policy's approval requirement (pending_approval only), else null. */
  approval: Record<string, unknown> | null;
  /** The approval request to wait for (pending_approval with the approvals stage), else null. */
  approvalRequest: ApprovalRequestRef | null;
  /** The policy revision evaluated (0 = baseline), or null when no policy could be chosen. */
  policyRevision: number | null;
  /** Names (organisation, revision) so a later request can demand a policy at least this new. */
  consistencyToken: string | null;
  /** False only for a fail-closed deny that could not be written (`record_failed`). */
  recorded: boolean;
}
