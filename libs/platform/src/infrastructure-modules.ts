import type { DynamicModule, Type } from '@nestjs/common';
import type { AppConfig } from '@mandate/config';
import { EventsModule } from '@mandate/events';
import { QueueModule } from '@mandate/queue';
import type { AppRole } from './app-role';

/** Events, outbox and queue wiring for a role. */
export function infrastructureModules(config: AppConfig, role: AppRole): Array<Type | DynamicModule> {
  return [QueueModule.forRoot({ role, redisUrl: config.redisUrl, prefix: config.queuePrefix }), EventsModule];
}
