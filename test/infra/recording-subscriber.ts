import { Module } from '@nestjs/common';
import { SubscribeToEvents, type DomainEventSubscriber, type StoredDomainEvent } from '@mandate/events';

/** Test subscriber: remembers the events it received; can be told to fail the next N deliveries. */
@SubscribeToEvents({ name: 'test-recorder', types: ['probe.*'] })
export class RecordingSubscriber implements DomainEventSubscriber {
  readonly received: StoredDomainEvent[] = [];
  failNext = 0;

  async handle(event: StoredDomainEvent): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('induced failure');
    }
    this.received.push(event);
    return Promise.resolve();
  }
}

@Module({ providers: [RecordingSubscriber] })
export class RecordingSubscriberModule {}
