import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { DomainEventPublisher } from '@mandate/events';
import { actorOf, type Principal } from '@mandate/identity';
import { OutboxWriter } from '@mandate/queue';
import { DataSource } from 'typeorm';
import { ApprovalEventType, ApprovalJob, rowsOf } from '../shared/approval-events';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookKey } from './webhook-key';
import { encryptSecret } from './webhook-secret.cipher';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

/** Most webhook subscriptions per organisation. */
export const MAX_SUBSCRIPTIONS = 20;

export interface CreatedSubscription {
  subscription: WebhookSubscriptionEntity;
  /** Shown once, never again. */
  secret: string;
}

/** Webhook subscriptions of an organisation, and its dead-letter list. */
@Injectable()
export class WebhookService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly key: WebhookKey,
    private readonly events: DomainEventPublisher,
    private readonly outbox: OutboxWriter,
  ) {}

  list(principal: Principal): Promise<WebhookSubscriptionEntity[]> {
    return this.dataSource
      .getRepository(WebhookSubscriptionEntity)
      .find({ where: { orgId: principal.orgId }, order: { createdAt: 'ASC' }, take: MAX_SUBSCRIPTIONS });
  }

  async create(principal: Principal, url: string, format: 'mandate' | 'slack'): Promise<CreatedSubscription> {
    const key = this.key.require();
    const id = randomUUID();
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('approval_webhooks:' || $1))`, [
        principal.orgId,
      ]);
      const [{ n }] = await manager.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM approval_webhooks WHERE org_id = $1`,
        [principal.orgId],
      );
      if (Number(n) >= MAX_SUBSCRIPTIONS)
        throw new DomainError(
          ErrorCode.Conflict,
          `At most ${MAX_SUBSCRIPTIONS} webhook subscriptions per organisation`,
        );
      await manager.query(
        `INSERT INTO approval_webhooks (id, org_id, url, format, secret_encrypted) VALUES ($1, $2, $3, $4, $5)`,
        [id, principal.orgId, url, format, encryptSecret(key, secret, id)],
      );
      await this.events.publish(manager, {
        type: ApprovalEventType.WebhookCreated,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'approval_webhook', id },
        data: { url, format },
      });
      const subscription = await manager.getRepository(WebhookSubscriptionEntity).findOneByOrFail({ id });
      return { subscription, secret };
    });
  }

  async delete(principal: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const rows = rowsOf<{ url: string }>(
        await manager.query(`DELETE FROM approval_webhooks WHERE id = $1 AND org_id = $2 RETURNING url`, [
          id,
          principal.orgId,
        ]),
      );
      if (rows.length === 0) throw new DomainError(ErrorCode.NotFound, 'No such webhook subscription');
      await this.events.publish(manager, {
        type: ApprovalEventType.WebhookDeleted,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'approval_webhook', id },
        data: { url: rows[0].url },
      });
    });
  }

  /** The dead-letter list: deliveries that exhausted their tries, newest first. */
  deadLetters(principal: Principal, limit: number): Promise<WebhookDeliveryEntity[]> {
    return this.dataSource.getRepository(WebhookDeliveryEntity).find({
      where: { orgId: principal.orgId, state: 'dead' },
      order: { finishedAt: 'DESC' },
      take: limit,
    });
  }

  /** Puts a dead delivery back in the queue (same id, so the same Idempotency-Key). */
  async replay(principal: Principal, id: string): Promise<WebhookDeliveryEntity> {
    return this.dataSource.transaction(async (manager) => {
      const rows = rowsOf<{ id: string }>(
        await manager.query(
          `UPDATE approval_webhook_deliveries SET state = 'pending', attempts = 0, finished_at = NULL, queued_at = now()
            WHERE id = $1 AND org_id = $2 AND state = 'dead' RETURNING id`,
          [id, principal.orgId],
        ),
      );
      if (rows.length === 0) throw new DomainError(ErrorCode.NotFound, 'No such dead-lettered delivery');
      await this.outbox.enqueue(manager, ApprovalJob.Webhook, { deliveryId: id });
      await this.events.publish(manager, {
        type: ApprovalEventType.WebhookReplayed,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'approval_webhook_delivery', id },
        data: {},
      });
      return manager.getRepository(WebhookDeliveryEntity).findOneByOrFail({ id });
    });
  }
}
