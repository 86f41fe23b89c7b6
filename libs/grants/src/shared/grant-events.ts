import { Injectable } from '@nestjs/common';
import { DomainEventPublisher } from '@mandate/events';
import { actorOf, type Principal } from '@mandate/identity';
import type { EntityManager } from 'typeorm';
import type { GrantEventType } from './grant-event-type';
import type { RequestMeta } from './request-meta';

/** Publishes grant domain events inside the caller's transaction (the event commits with the change). */
@Injectable()
export class GrantEvents {
  constructor(private readonly publisher: DomainEventPublisher) {}

  async publish(
    manager: EntityManager,
    principal: Principal,
    type: GrantEventType,
    subject: { type: string; id: string },
    data: Record<string, unknown>,
    meta: RequestMeta = {},
  ): Promise<void> {
    await this.publisher.publish(manager, {
      type,
      orgId: principal.orgId,
      actor: actorOf(principal),
      subject,
      data,
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }
}
