import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DomainEventPublisher } from './domain-event.publisher';
import { EventSubscriberRegistry } from './event-subscriber.registry';
import { EventsFanoutHandler } from './events-fanout.handler';

/**
 * Domain events: inject DomainEventPublisher anywhere (global). Requires QueueModule (outbox) and the
 * database; both are set up by the apps.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [DomainEventPublisher, EventSubscriberRegistry, EventsFanoutHandler],
  exports: [DomainEventPublisher, EventSubscriberRegistry],
})
export class EventsModule {}
