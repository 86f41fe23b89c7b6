export const QUEUE_OPTIONS = Symbol('QUEUE_OPTIONS');

export type QueueRole = 'server' | 'worker' | 'tool';

export interface QueueOptions {
  role: QueueRole;
  /** BullMQ mode when set; in-process mode otherwise. */
  redisUrl?: string;
  /** Key prefix in Redis (QUEUE_PREFIX), so deployments and test files can share a Redis. */
  prefix: string;
  /** Start the background loops at bootstrap (tests may drive them by hand). */
  autoStart: boolean;
  pollIntervalMs: number;
  batchSize: number;
  /** How long a claimed outbox row stays invisible to other relays/runners. */
  leaseMs: number;
  /** Parallel jobs per worker process. */
  concurrency: number;
}

/** Name of the BullMQ queue carrying every topic (the job name is the topic). */
export const JOBS_QUEUE = 'jobs';
