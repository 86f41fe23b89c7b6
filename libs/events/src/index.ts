export {
  ACTOR_TYPES,
  type Actor,
  type ActorType,
  type DomainEvent,
  type EventSubject,
  type StoredDomainEvent,
} from './domain-event';
export {
  SubscribeToEvents,
  type DomainEventSubscriber,
  type EventSubscription,
} from './domain-event-subscriber';
export { DOMAIN_EVENT_JOURNAL, type DomainEventJournal } from './domain-event-journal';
export { DomainEventEntity } from './domain-event.entity';
export { DomainEventPublisher, EVENTS_FANOUT_TOPIC } from './domain-event.publisher';
export { EventSubscriberRegistry } from './event-subscriber.registry';
export { EventsFanoutHandler } from './events-fanout.handler';
export { EVENTS_ENTITIES } from './events.entities';
export { EventsModule } from './events.module';
