import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { JobContext } from './job-handler';

/**
 * Idempotency record of job handling: `(job id, consumer)` is stored once. Handlers check `wasDelivered`
 * before acting and `record` after (ideally in the same transaction as their own effect).
 */
@Injectable()
export class JobDeliveryLog {
  constructor(private readonly dataSource: DataSource) {}

  async wasDelivered(jobId: string, consumer: string, manager?: EntityManager): Promise<boolean> {
    const rows = await (manager ?? this.dataSource).query<unknown[]>(
      `SELECT 1 FROM job_deliveries WHERE job_id = $1 AND consumer = $2`,
      [jobId, consumer],
    );
    return rows.length > 0;
  }

  /** Returns false when the delivery had already been recorded. */
  async record(job: JobContext<unknown>, consumer: string, manager?: EntityManager): Promise<boolean> {
    const rows = await (manager ?? this.dataSource).query<unknown[]>(
      `INSERT INTO job_deliveries (job_id, consumer, topic, via, attempt) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (job_id, consumer) DO NOTHING RETURNING job_id`,
      [job.id, consumer, job.topic, job.via, job.attempt],
    );
    return rows.length > 0;
  }
}
