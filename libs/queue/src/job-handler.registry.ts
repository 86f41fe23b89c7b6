import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { JOB_HANDLER_TOPIC } from './job-handler.decorator';
import type { JobHandler } from './job-handler';

const TOPIC = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;

/** topic → handler, shared by the in-process runner and the BullMQ processor. */
@Injectable()
export class JobHandlerRegistry implements OnModuleInit {
  private readonly handlers = new Map<string, JobHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      const metatype = wrapper.metatype;
      if (!instance || !metatype) continue;
      const topic = this.reflector.get<string | undefined>(JOB_HANDLER_TOPIC, metatype);
      if (topic) this.register(topic, instance as JobHandler);
    }
  }

  register(topic: string, handler: JobHandler): void {
    if (!TOPIC.test(topic) || topic.length > 100) throw new Error(`Invalid job topic "${topic}"`);
    if (typeof handler.handle !== 'function') throw new Error(`Handler of "${topic}" has no handle() method`);
    const existing = this.handlers.get(topic);
    if (existing && existing !== handler) throw new Error(`Two handlers registered for job topic "${topic}"`);
    this.handlers.set(topic, handler);
  }

  get(topic: string): JobHandler | undefined {
    return this.handlers.get(topic);
  }

  topics(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
