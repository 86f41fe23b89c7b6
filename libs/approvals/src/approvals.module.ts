import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditMasterKey } from '@mandate/audit';
import { DecisionsModule } from '@mandate/decisions';
import { IdentityModule } from '@mandate/identity';
import { APPROVALS_ENTITIES } from './approvals.entities';
import { ApproverGroupService } from './groups/approver-group.service';
import { ApprovalController } from './http/approval.controller';
import { ApprovalWebhookController } from './http/approval-webhook.controller';
import { ApproverGroupController } from './http/approver-group.controller';
import { ApprovalConsumedHandler } from './jobs/approval-consumed.handler';
import { ApprovalEscalationHandler } from './jobs/approval-escalation.handler';
import { ApprovalExpiryHandler } from './jobs/approval-expiry.handler';
import { ApprovalsSweeper } from './jobs/approvals.sweeper';
import { WebhookDeliveryHandler } from './jobs/webhook-delivery.handler';
import { ApprovalChangeListener } from './requests/approval-change.listener';
import { ApprovalLinks } from './requests/approval-links';
import { ApprovalRequestService } from './requests/approval-request.service';
import { UsableApprovalCache } from './requests/usable-approval.cache';
import { ApprovalTransitions } from './requests/approval-transitions';
import { ApprovalWaiter } from './requests/approval-waiter';
import { ApprovalsStage } from './stage/approvals.stage';
import { WebhookKey } from './webhooks/webhook-key';
import { WebhookOutbox } from './webhooks/webhook-outbox';
import { WebhookService } from './webhooks/webhook.service';

/**
 * Approval workflows: the `approvals` decision stage (order 400), approver groups, requests, votes, the
 * long-poll, signed webhooks, and the jobs for expiry, escalation, consumption events and deliveries.
 */
@Module({
  imports: [IdentityModule, DecisionsModule, TypeOrmModule.forFeature([...APPROVALS_ENTITIES])],
  controllers: [ApprovalController, ApproverGroupController, ApprovalWebhookController],
  providers: [
    AuditMasterKey,
    WebhookKey,
    ApprovalLinks,
    WebhookOutbox,
    ApprovalTransitions,
    ApprovalRequestService,
    ApprovalChangeListener,
    UsableApprovalCache,
    ApprovalWaiter,
    ApproverGroupService,
    WebhookService,
    ApprovalsStage,
    ApprovalExpiryHandler,
    ApprovalEscalationHandler,
    ApprovalConsumedHandler,
    WebhookDeliveryHandler,
    ApprovalsSweeper,
  ],
  exports: [ApprovalRequestService, ApprovalsSweeper],
})
export class ApprovalsModule {}
