import { ApproverGroupMemberEntity } from './groups/approver-group-member.entity';
import { ApproverGroupEntity } from './groups/approver-group.entity';
import { ApprovalHistoryEntity } from './requests/approval-history.entity';
import { ApprovalRequestEntity } from './requests/approval-request.entity';
import { ApprovalVoteEntity } from './requests/approval-vote.entity';
import { WebhookDeliveryEntity } from './webhooks/webhook-delivery.entity';
import { WebhookSubscriptionEntity } from './webhooks/webhook-subscription.entity';

/** TypeORM entities of the approvals library. */
export const APPROVALS_ENTITIES = [
  ApproverGroupEntity,
  ApproverGroupMemberEntity,
  ApprovalRequestEntity,
  ApprovalVoteEntity,
  ApprovalHistoryEntity,
  WebhookSubscriptionEntity,
  WebhookDeliveryEntity,
] as const;
