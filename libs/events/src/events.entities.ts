import { DomainEventEntity } from './domain-event.entity';

/** TypeORM entities of the events library. */
export const EVENTS_ENTITIES = [DomainEventEntity] as const;
