import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { InProcessJobRunner } from './in-process-job.runner';
import { JobDeliveryLog } from './job-delivery.log';
import { JobHandlerRegistry } from './job-handler.registry';
import { OutboxRelay } from './outbox.relay';
import { OutboxStore } from './outbox.store';
import { OutboxWriter } from './outbox.writer';
import { QUEUE_OPTIONS, type QueueOptions } from './queue-options';
import { QueueProducer } from './queue.producer';
import { QueueProcessor } from './queue.processor';
import { RedisConnections } from './redis-connections';

export type QueueModuleOptions = Pick<QueueOptions, 'role' | 'prefix'> &
  Partial<Omit<QueueOptions, 'role' | 'prefix'>>;

/**
 * Jobs for every role. Always: OutboxWriter (enqueue in a transaction), JobHandlerRegistry, JobDeliveryLog.
 * Background work depends on role and REDIS_URL:
 *   server + no Redis → InProcessJobRunner;   server + Redis → OutboxRelay (no processors);
 *   worker + Redis → OutboxRelay + QueueProcessor;   worker + no Redis → boot error;   tool → nothing.
 */
@Module({})
export class QueueModule {
  static forRoot(input: QueueModuleOptions): DynamicModule {
    const options: QueueOptions = {
      autoStart: true,
      pollIntervalMs: 250,
      batchSize: 50,
      leaseMs: 60_000,
      concurrency: 8,
      ...input,
    };
    if (options.role === 'worker' && !options.redisUrl) {
      throw new Error(
        'The worker needs REDIS_URL: without Redis, the server runs the jobs itself (single-process mode).',
      );
    }
    const providers: Provider[] = [
      { provide: QUEUE_OPTIONS, useValue: options },
      OutboxWriter,
      OutboxStore,
      JobHandlerRegistry,
      JobDeliveryLog,
    ];
    const exports: Array<Provider | symbol> = [OutboxWriter, JobHandlerRegistry, JobDeliveryLog, OutboxStore];
    if (options.role !== 'tool') {
      if (options.redisUrl) {
        const url = options.redisUrl;
        providers.push(
          { provide: RedisConnections, useFactory: () => new RedisConnections(url) },
          QueueProducer,
          OutboxRelay,
        );
        exports.push(QueueProducer, OutboxRelay);
        if (options.role === 'worker') providers.push(QueueProcessor);
      } else {
        providers.push(InProcessJobRunner);
        exports.push(InProcessJobRunner);
      }
    }
    return { module: QueueModule, global: true, imports: [DiscoveryModule], providers, exports };
  }
}
