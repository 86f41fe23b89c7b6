import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { JobHandlerRegistry } from './job-handler.registry';
import { OutboxStore, backoffMs, type ClaimedJob } from './outbox.store';
import { PollingLoop } from './polling-loop';
import { QUEUE_OPTIONS, type QueueOptions } from './queue-options';

/**
 * Single-process mode (no REDIS_URL): the server itself runs the job handlers straight from the outbox.
 * Same handlers, same at-least-once semantics as the BullMQ worker.
 */
@Injectable()
export class InProcessJobRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('InProcessJobRunner');
  private readonly loop: PollingLoop;

  constructor(
    private readonly store: OutboxStore,
    private readonly registry: JobHandlerRegistry,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueOptions,
  ) {
    this.loop = new PollingLoop(
      () => this.runOnce(),
      options.pollIntervalMs,
      (e) => this.logger.error(`outbox run failed: ${String(e)}`),
    );
  }

  onApplicationBootstrap(): void {
    if (this.options.autoStart) this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  poke(): void {
    this.loop.poke();
  }

  /** Claims and handles one batch. Returns true when the batch was full (more may be waiting). */
  async runOnce(): Promise<boolean> {
    const batch = await this.store.claim(this.options.batchSize, this.options.leaseMs);
    for (const job of batch) await this.handle(job);
    return batch.length === this.options.batchSize;
  }

  private async handle(job: ClaimedJob): Promise<void> {
    const handler = this.registry.get(job.topic);
    try {
      if (!handler) throw new Error(`no handler registered for topic "${job.topic}"`);
      await handler.handle({
        id: job.id,
        topic: job.topic,
        payload: job.payload,
        attempt: job.attempts,
        via: 'in_process',
      });
      await this.store.markDispatched([job.id]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`job ${job.id} (${job.topic}) attempt ${job.attempts} failed: ${message}`);
      await this.store.markFailed(job.id, message, backoffMs(job.attempts));
    }
  }
}
