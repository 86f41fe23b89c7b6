import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainEventPublisher, type Actor } from '@mandate/events';
import type { EntityManager } from 'typeorm';
import {
  APPROVAL_CHANGED_CHANNEL,
  APPROVALS_SYSTEM_ACTOR,
  ApprovalEventType,
  rowsOf,
} from '../shared/approval-events';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { ApprovalRequestEntity } from './approval-request.entity';

/**
 * The side effects every transition shares, run in the transition's transaction: a history row, the
 * domain event (audit chain), webhook notifications and a NOTIFY that wakes long-polls on every replica.
 */
@Injectable()
export class ApprovalTransitions {
  constructor(
    private readonly events: DomainEventPublisher,
    private readonly webhooks: WebhookOutbox,
  ) {}

  async record(
    manager: EntityManager,
    request: ApprovalRequestEntity,
    type: string,
    actor: Actor,
    data: Record<string, unknown>,
    options: { notify?: boolean; requestId?: string; ip?: string } = {},
  ): Promise<void> {
    const action = type.replace(/^approval\./, '');
    await manager.query(
      `INSERT INTO approval_history (id, request_id, org_id, action, actor_type, actor_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      [randomUUID(), request.id, request.orgId, action, actor.type, actor.id, JSON.stringify(data)],
    );
    await this.events.publish(manager, {
      type,
      orgId: request.orgId,
      actor,
      subject: { type: 'approval_request', id: request.id },
      data: {
        agent: request.agentName,
        server: request.server,
        tool: request.tool,
        argumentsHash: request.argsHash,
        state: request.state,
        ...data,
      },
      ...(options.requestId ? { requestId: options.requestId } : {}),
      ...(options.ip ? { ip: options.ip } : {}),
    });
    if (options.notify) await this.webhooks.notify(manager, request, type);
    await manager.query(`SELECT pg_notify($1, $2)`, [APPROVAL_CHANGED_CHANNEL, request.id]);
  }

  /**
   * Expires pending requests past their expiry (optionally only one request or one organisation), oldest
   * first, skipping rows another transaction holds. Returns the expired requests.
   */
  async expireOverdue(
    manager: EntityManager,
    scope: { id?: string; orgId?: string; limit?: number } = {},
  ): Promise<ApprovalRequestEntity[]> {
    const ids = rowsOf<{ id: string }>(
      await manager.query(
        `UPDATE approval_requests SET state = 'expired', decided_at = now()
          WHERE id IN (SELECT id FROM approval_requests
                        WHERE state = 'pending' AND expires_at <= now()
                          AND ($1::uuid IS NULL OR id = $1::uuid) AND ($2::uuid IS NULL OR org_id = $2::uuid)
                        ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [scope.id ?? null, scope.orgId ?? null, scope.limit ?? 100],
      ),
    );
    if (ids.length === 0) return [];
    const expired = await manager.getRepository(ApprovalRequestEntity).find({
      where: ids.map(({ id }) => ({ id })),
    });
    for (const request of expired) {
      await this.record(
        manager,
        request,
        ApprovalEventType.Expired,
        APPROVALS_SYSTEM_ACTOR,
        { expiresAt: request.expiresAt.toISOString() },
        { notify: true },
      );
    }
    return expired;
  }

  /** Escalates pending requests whose escalation is due (optionally one). Returns them. */
  async escalateDue(
    manager: EntityManager,
    scope: { id?: string; limit?: number } = {},
  ): Promise<ApprovalRequestEntity[]> {
    const ids = rowsOf<{ id: string }>(
      await manager.query(
        `UPDATE approval_requests SET escalated_at = now()
          WHERE id IN (SELECT id FROM approval_requests
                        WHERE state = 'pending' AND escalated_at IS NULL AND escalate_at IS NOT NULL
                          AND escalate_at <= now() AND expires_at > now()
                          AND ($1::uuid IS NULL OR id = $1::uuid)
                        ORDER BY escalate_at LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [scope.id ?? null, scope.limit ?? 100],
      ),
    );
    if (ids.length === 0) return [];
    const escalated = await manager.getRepository(ApprovalRequestEntity).find({
      where: ids.map(({ id }) => ({ id })),
    });
    for (const request of escalated) {
      await this.record(
        manager,
        request,
        ApprovalEventType.Escalated,
        APPROVALS_SYSTEM_ACTOR,
        { escalateTo: request.escalateTo },
        { notify: true },
      );
    }
    return escalated;
  }
}
