import { Injectable } from '@nestjs/common';
import { DomainEventPublisher } from '@mandate/events';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../access/principal';
import type { IdentityEventType } from './identity-event-type';

export interface IdentityEvent {
  type: IdentityEventType;
  /** Null only for events that cannot be tied to an organisation (a failed login for an unknown org). */
  orgId: string | null;
  actor: Actor;
  /** What the event is about, e.g. `{type: 'member', id}`. */
  subject: { type: string; id: string } | null;
  /** Event data. Never secrets: no passwords, hashes or API key material. */
  data: Record<string, unknown>;
  /** Client address and request id, when the event comes from a request. */
  ip?: string;
  requestId?: string;
}

/**
 * Publishes identity domain events through the DomainEventPublisher, inside the caller's transaction
 * (so an event exists if and only if the change committed). Restricts types to IdentityEventType.
 */
@Injectable()
export class IdentityEvents {
  constructor(private readonly publisher: DomainEventPublisher) {}

  async publish(manager: EntityManager, event: IdentityEvent): Promise<void> {
    await this.publisher.publish(manager, {
      type: event.type,
      orgId: event.orgId,
      actor: event.actor,
      subject: event.subject ?? undefined,
      data: event.data,
      ip: event.ip,
      requestId: event.requestId,
    });
  }
}
