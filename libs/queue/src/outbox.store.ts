import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ClaimedJob {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  /** Attempts including this one. */
  attempts: number;
}

interface ClaimedRow {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  attempts: number;
}

const MAX_ERROR_LENGTH = 2000;

/**
 * Pending-outbox queries. `claim` leases rows with `FOR UPDATE SKIP LOCKED`, so any number of relays or
 * runners (replicas) can work the same table without taking the same row; a lease that is never settled
 * (crashed process) simply expires and the row is claimed again.
 */
@Injectable()
export class OutboxStore {
  constructor(private readonly dataSource: DataSource) {}

  async claim(limit: number, leaseMs: number): Promise<ClaimedJob[]> {
    // For UPDATE … RETURNING, TypeORM's postgres driver answers [rows, affectedCount].
    const [rows] = await this.dataSource.query<[ClaimedRow[], number]>(
      `UPDATE outbox o
          SET available_at = now() + make_interval(secs => $2::double precision), attempts = o.attempts + 1
        WHERE o.id IN (
          SELECT id FROM outbox
           WHERE dispatched_at IS NULL AND available_at <= now()
           ORDER BY available_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.topic, o.payload, o.attempts`,
      [limit, leaseMs / 1000],
    );
    return rows.map((r) => ({ id: r.id, topic: r.topic, payload: r.payload, attempts: Number(r.attempts) }));
  }

  async markDispatched(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE outbox SET dispatched_at = now(), last_error = NULL WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** Schedules another try after `retryInMs` and records why this one failed. */
  async markFailed(id: string, error: string, retryInMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox SET available_at = now() + make_interval(secs => $2::double precision), last_error = $3 WHERE id = $1 AND dispatched_at IS NULL`,
      [id, retryInMs / 1000, error.slice(0, MAX_ERROR_LENGTH)],
    );
  }
}

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s … capped at `capMs`. */
export function backoffMs(attempts: number, capMs = 5 * 60_000): number {
  const base = Math.min(capMs, 500 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
