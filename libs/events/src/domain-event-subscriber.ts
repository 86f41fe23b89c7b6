import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { StoredDomainEvent } from './domain-event';

export const EVENT_SUBSCRIPTION = 'mandate:domain-event-subscription';

export interface EventSubscription {
  /** Stable, unique consumer name; recorded in job_deliveries for idempotency. */
  name: string;
  /** Event types handled; `'*'` for all, `'member.*'` for a prefix. */
  types: readonly string[];
}

/**
 * Asynchronous consumer of domain events (notifications, webhooks…). Runs after the publishing transaction
 * committed, via the outbox (`events.fanout` job), at least once per event; a delivery is recorded per
 * subscriber so a retried fan-out does not call a subscriber that already succeeded.
 */
export interface DomainEventSubscriber {
  handle(event: StoredDomainEvent): Promise<void>;
}

/** Marks an injectable class implementing DomainEventSubscriber. */
export function SubscribeToEvents(subscription: EventSubscription): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(EVENT_SUBSCRIPTION, subscription));
}

export function subscriptionMatches(subscription: EventSubscription, type: string): boolean {
  return subscription.types.some(
    (t) => t === '*' || t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))),
  );
}
