import type { EntityManager } from 'typeorm';
import type { StoredDomainEvent } from './domain-event';

/** Injection token of the {@link DomainEventJournal} (provided by the audit module). */
export const DOMAIN_EVENT_JOURNAL = Symbol('mandate:domain-event-journal');

/**
 * Receives every published domain event INSIDE the publishing transaction (same EntityManager), after its
 * domain_events row was inserted: the audit log appends it to the organisation's hash chain there, so the
 * change, its event and its audit entry commit or roll back together. A failure aborts the publish.
 */
export interface DomainEventJournal {
  append(manager: EntityManager, event: StoredDomainEvent): Promise<void>;
}
