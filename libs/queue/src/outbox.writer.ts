import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface EnqueueOptions {
  /** Earliest time the job may run, as a delay from now. */
  delayMs?: number;
}

/**
 * Records a job in the caller's transaction: it becomes visible to the relay/runner only if that
 * transaction commits, so a job is never sent for a change that was rolled back.
 */
@Injectable()
export class OutboxWriter {
  async enqueue(
    manager: EntityManager,
    topic: string,
    payload: Record<string, unknown>,
    options: EnqueueOptions = {},
  ): Promise<string> {
    const id = randomUUID();
    const delay = Math.max(0, Math.floor(options.delayMs ?? 0));
    await manager.query(
      `INSERT INTO outbox (id, topic, payload, available_at) VALUES ($1, $2, $3::jsonb, now() + make_interval(secs => $4::double precision))`,
      [id, topic, JSON.stringify(payload), delay / 1000],
    );
    return id;
  }
}
