import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { JobHandlerRegistry } from './job-handler.registry';
import { JOBS_QUEUE, QUEUE_OPTIONS, type QueueOptions } from './queue-options';
import { RedisConnections } from './redis-connections';

/** BullMQ worker (apps/worker only): runs each job through the handler registered for its topic. */
@Injectable()
export class QueueProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('QueueProcessor');
  private worker: Worker | undefined;

  constructor(
    private readonly registry: JobHandlerRegistry,
    private readonly connections: RedisConnections,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.autoStart) return;
    this.worker = new Worker(JOBS_QUEUE, (job: Job) => this.process(job), {
      connection: this.connections.blocking(),
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
    });
    this.worker.on('error', () => undefined); // connection errors are logged once by RedisConnections
    this.worker.on('failed', (job, error) => {
      this.logger.warn(
        `job ${job?.id ?? '?'} (${job?.name ?? '?'}) attempt ${job?.attemptsMade ?? '?'} failed: ${error.message}`,
      );
    });
    this.logger.log(`processing topics: ${this.registry.topics().join(', ') || '(none)'}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  private async process(job: Job): Promise<void> {
    const handler = this.registry.get(job.name);
    if (!handler) throw new Error(`no handler registered for topic "${job.name}"`);
    if (!job.id) throw new Error('job without id');
    await handler.handle({
      id: job.id,
      topic: job.name,
      payload: job.data as Record<string, unknown>,
      attempt: job.attemptsMade + 1,
      via: 'queue',
    });
  }
}
