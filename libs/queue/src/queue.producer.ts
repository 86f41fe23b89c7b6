import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS_QUEUE, QUEUE_OPTIONS, type QueueOptions } from './queue-options';
import { RedisConnections } from './redis-connections';

const ADD_TIMEOUT_MS = 5000;

/** Adds jobs to the BullMQ queue. The outbox id is the BullMQ job id, so a re-relayed row is deduplicated. */
@Injectable()
export class QueueProducer implements OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly queue: Queue;

  constructor(connections: RedisConnections, @Inject(QUEUE_OPTIONS) options: QueueOptions) {
    this.connection = connections.producer();
    this.queue = new Queue(JOBS_QUEUE, {
      connection: this.connection,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    this.queue.on('error', () => undefined); // connection errors are logged once by RedisConnections
  }

  get connected(): boolean {
    return this.connection.status === 'ready';
  }

  /** Resolves once Redis accepted the job; rejects at once while Redis is unreachable. */
  async add(topic: string, payload: Record<string, unknown>, jobId: string): Promise<void> {
    if (!this.connected) throw new Error(`Redis not connected (${this.connection.status})`);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.queue.add(topic, payload, { jobId }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not accept the job in time')), ADD_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async ping(): Promise<void> {
    if ((await this.connection.ping()) !== 'PONG') throw new Error('unexpected PING reply');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
  }
}
