import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import {
  EVENT_SUBSCRIPTION,
  subscriptionMatches,
  type DomainEventSubscriber,
  type EventSubscription,
} from './domain-event-subscriber';

export interface RegisteredSubscriber {
  subscription: EventSubscription;
  subscriber: DomainEventSubscriber;
}

/** Every DomainEventSubscriber in the app, discovered at boot. */
@Injectable()
export class EventSubscriberRegistry implements OnModuleInit {
  private readonly subscribers: RegisteredSubscriber[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      const metatype = wrapper.metatype;
      if (!instance || !metatype) continue;
      const subscription = this.reflector.get<EventSubscription | undefined>(EVENT_SUBSCRIPTION, metatype);
      if (subscription) this.register(subscription, instance as DomainEventSubscriber);
    }
  }

  register(subscription: EventSubscription, subscriber: DomainEventSubscriber): void {
    if (this.subscribers.some((s) => s.subscription.name === subscription.name)) {
      throw new Error(`Two domain event subscribers are named "${subscription.name}"`);
    }
    this.subscribers.push({ subscription, subscriber });
  }

  for(type: string): RegisteredSubscriber[] {
    return this.subscribers.filter((s) => subscriptionMatches(s.subscription, type));
  }
}
