/** What a handler receives for one job, in both modes (in-process from the outbox, or BullMQ). */
export interface JobContext<P = Record<string, unknown>> {
  /** Stable id of the job: the outbox row id (also the BullMQ job id). Use it for idempotency. */
  id: string;
  topic: string;
  payload: P;
  /** 1 for the first try. */
  attempt: number;
  via: 'in_process' | 'queue';
}

/**
 * Handles the jobs of one topic. Delivery is at-least-once: a handler may see a job again after a crash or
 * a lost acknowledgement, so it must be idempotent (record its effect keyed by `job.id`, see
 * JobDeliveryLog). Throwing makes the job retry with backoff.
 */
export interface JobHandler<P = Record<string, unknown>> {
  handle(job: JobContext<P>): Promise<void>;
}
