import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { OutboxWriter } from '@mandate/queue';
import type { EntityManager } from 'typeorm';
import { ApprovalJob } from '../shared/approval-events';
import type { ApprovalRequestEntity } from '../requests/approval-request.entity';
import { ApprovalLinks } from '../requests/approval-links';
import { notificationPayload } from './webhook-payload';

/**
 * Queues approval notifications inside the transition's transaction (transactional outbox): one delivery
 * row per enabled subscription of the organisation and one `approvals.webhook` job per delivery.
 */
@Injectable()
export class WebhookOutbox {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly links: ApprovalLinks,
  ) {}

  async notify(manager: EntityManager, request: ApprovalRequestEntity, eventType: string): Promise<number> {
    const subscriptions = await manager.query<Array<{ id: string }>>(
      `SELECT id FROM approval_webhooks WHERE org_id = $1 AND enabled ORDER BY created_at LIMIT 20`,
      [request.orgId],
    );
    for (const { id: subscriptionId } of subscriptions) {
      const id = randomUUID();
      const payload = notificationPayload(request, eventType, this.links.url(request.id), id);
      await manager.query(
        `INSERT INTO approval_webhook_deliveries (id, org_id, subscription_id, request_id, event_type, payload)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
        [id, request.orgId, subscriptionId, request.id, eventType, JSON.stringify(payload)],
      );
      await this.outbox.enqueue(manager, ApprovalJob.Webhook, { deliveryId: id });
    }
    return subscriptions.length;
  }
}
