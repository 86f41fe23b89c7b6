import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { OutboxStore, backoffMs } from './outbox.store';
import { PollingLoop } from './polling-loop';
import { QUEUE_OPTIONS, type QueueOptions } from './queue-options';
import { QueueProducer } from './queue.producer';

/**
 * Moves committed outbox rows to BullMQ (REDIS_URL mode). A row is marked dispatched only after Redis
 * accepted the job; while Redis is down rows are rescheduled with exponential backoff. Runs in every
 * server replica and worker; SKIP LOCKED claims keep them from relaying the same row twice at once, and
 * the job id (= outbox id) deduplicates a row relayed again after a crash.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly loop: PollingLoop;

  constructor(
    private readonly store: OutboxStore,
    private readonly producer: QueueProducer,
    @Inject(QUEUE_OPTIONS) private readonly options: QueueOptions,
  ) {
    this.loop = new PollingLoop(
      () => this.relayOnce(),
      options.pollIntervalMs,
      (e) => this.logger.error(`relay failed: ${String(e)}`),
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

  /** Relays one batch; returns true when the batch was full and fully relayed (more may be waiting). */
  async relayOnce(): Promise<boolean> {
    const batch = await this.store.claim(this.options.batchSize, this.options.leaseMs);
    const dispatched: string[] = [];
    let failure: string | undefined;
    for (const job of batch) {
      if (failure === undefined) {
        try {
          await this.producer.add(job.topic, job.payload, job.id);
          dispatched.push(job.id);
          continue;
        } catch (error) {
          failure = error instanceof Error ? error.message : String(error);
          this.logger.warn(`cannot relay outbox jobs, will retry: ${failure}`);
        }
      }
      await this.store.markFailed(job.id, failure, backoffMs(job.attempts, 30_000));
    }
    await this.store.markDispatched(dispatched);
    return failure === undefined && batch.length === this.options.batchSize;
  }
}
