import { Logger } from '@nestjs/common';
import { AppConfig } from '@mandate/config';
import { DomainEventPublisher } from '@mandate/events';
import { JobHandlerFor, type JobContext, type JobHandler } from '@mandate/queue';
import { DataSource } from 'typeorm';
import { APPROVALS_SYSTEM_ACTOR, ApprovalEventType, ApprovalJob } from '../shared/approval-events';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';
import { slackPayload } from '../webhooks/webhook-payload';
import { decryptSecret } from '../webhooks/webhook-secret.cipher';
import { SIGNATURE_HEADER, signatureHeader } from '../webhooks/webhook-signature';
import { WebhookSubscriptionEntity } from '../webhooks/webhook-subscription.entity';
import { WebhookKey } from '../webhooks/webhook-key';

const TIMEOUT_MS = 10_000;

/**
 * `approvals.webhook`: POSTs one delivery, signed (`Mandate-Signature: t=…,v1=HMAC-SHA256(secret,
 * "<t>.<body>")`) with `Idempotency-Key: <delivery id>` — the same key on every retry. A non-2xx answer or a
 * network error throws (the queue retries with exponential backoff); after APPROVAL_WEBHOOK_MAX_ATTEMPTS
 * tries the delivery goes to the dead-letter list. A delivery already delivered or dead is skipped.
 */
@JobHandlerFor(ApprovalJob.Webhook)
export class WebhookDeliveryHandler implements JobHandler<{ deliveryId: string }> {
  private readonly logger = new Logger('ApprovalWebhooks');

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly key: WebhookKey,
    private readonly events: DomainEventPublisher,
  ) {}

  async handle(job: JobContext<{ deliveryId: string }>): Promise<void> {
    const delivery = await this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .findOneBy({ id: job.payload.deliveryId });
    if (!delivery || delivery.state !== 'pending') return;
    const subscription = await this.dataSource
      .getRepository(WebhookSubscriptionEntity)
      .findOneBy({ id: delivery.subscriptionId });
    if (!subscription || !subscription.enabled) {
      await this.finish(delivery.id, 'dead', null, 'subscription removed or disabled');
      return;
    }
    const body = JSON.stringify(
      subscription.format === 'slack' ? slackPayload(delivery.payload) : delivery.payload,
    );
    let status: number | null = null;
    let error: string | null = null;
    try {
      const secret = decryptSecret(this.key.require(), subscription.secretEncrypted, subscription.id);
      const response = await fetch(subscription.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'mandate-webhooks',
          [SIGNATURE_HEADER]: signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
          'Idempotency-Key': delivery.id,
          'Mandate-Event': delivery.eventType,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (status >= 200 && status < 300) {
        await this.finish(delivery.id, 'delivered', status, null);
        return;
      }
      error = `HTTP ${status}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const [rows] = await this.dataSource.query<[Array<{ attempts: number }>, number]>(
      `UPDATE approval_webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3
        WHERE id = $1 AND state = 'pending' RETURNING attempts`,
      [delivery.id, status, error.slice(0, 500)],
    );
    const attempts = Number(rows[0]?.attempts ?? 0);
    if (attempts >= this.config.approvalWebhookMaxAttempts) {
      await this.deadLetter(delivery, error);
      return;
    }
    this.logger.warn(`webhook delivery ${delivery.id} attempt ${attempts} failed: ${error}`);
    throw new Error(`webhook delivery failed: ${error}`);
  }

  private async finish(id: string, state: 'delivered' | 'dead', status: number | null, error: string | null) {
    await this.dataSource.query(
      `UPDATE approval_webhook_deliveries
          SET state = $2, attempts = attempts + 1, last_status = $3, last_error = $4, finished_at = now()
        WHERE id = $1 AND state = 'pending'`,
      [id, state, status, error],
    );
  }

  private async deadLetter(delivery: WebhookDeliveryEntity, error: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const moved = await manager.query<[unknown[], number]>(
        `UPDATE approval_webhook_deliveries SET state = 'dead', finished_at = now()
          WHERE id = $1 AND state = 'pending' RETURNING id`,
        [delivery.id],
      );
      if (moved[0].length === 0) return;
      await this.events.publish(manager, {
        type: ApprovalEventType.WebhookDeadLettered,
        orgId: delivery.orgId,
        actor: APPROVALS_SYSTEM_ACTOR,
        subject: { type: 'approval_webhook_delivery', id: delivery.id },
        data: {
          subscriptionId: delivery.subscriptionId,
          requestId: delivery.requestId,
          error: error.slice(0, 500),
        },
      });
    });
    this.logger.warn(`webhook delivery ${delivery.id} moved to the dead-letter list: ${error}`);
  }
}
