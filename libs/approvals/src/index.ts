export { ApprovalsModule } from './approvals.module';
export { APPROVALS_ENTITIES } from './approvals.entities';
export { ApprovalEventType, ApprovalJob, APPROVAL_CHANGED_CHANNEL } from './shared/approval-events';
export {
  argumentsHash,
  conflictOfInterest,
  parseRequirement,
  redactArguments,
  tally,
  type ApprovalRequirement,
} from './shared/approval-rules';
export { ApprovalRequestService, type UsableApproval } from './requests/approval-request.service';
export { ApprovalsSweeper } from './jobs/approvals.sweeper';
export { SIGNATURE_HEADER, signatureHeader, verifySignature } from './webhooks/webhook-signature';
export type { ApprovalMode, ApprovalState } from './requests/approval-request.entity';
