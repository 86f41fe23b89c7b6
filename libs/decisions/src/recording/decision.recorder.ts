import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DatabaseServer } from '@mandate/db';
import { Pool } from 'pg';
import type { DecisionRecord } from './decision-record';

/** Most rows in one INSERT. */
export const MAX_BATCH_ROWS = 200;
/** INSERTs in flight at once; further rows wait and are grouped into the next batch. */
const MAX_IN_FLIGHT = 2;

interface Pending {
  record: DecisionRecord;
  resolve: () => void;
  reject: (error: Error) => void;
}

const INSERT = `INSERT INTO decisions (id, org_id, decided_at, agent_id, agent_name, server, tool, phase, decision,
  reasons, obligations, input, policy_revision, latency_us, api_key_id, request_id)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::uuid[], $5::text[], $6::text[], $7::text[],
  $8::text[], $9::text[], $10::jsonb[], $11::jsonb[], $12::jsonb[], $13::int[], $14::int[], $15::uuid[], $16::text[])`;

/**
 * Group commit of the decision log: `record()` queues a row and resolves once the INSERT holding it has
 * committed (each batch is one autocommitted multi-row INSERT, so a resolved row is durable). Rows queued
 * while a batch is in flight go together into the next one (at most MAX_BATCH_ROWS per INSERT). A failed
 * batch rejects every row in it; the decision API then answers deny `record_failed`.
 */
@Injectable()
export class DecisionRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger(DecisionRecorder.name);
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private pool: Pool | undefined;
  private readonly counters = { batches: 0, rows: 0, failedRows: 0 };

  constructor(private readonly database: DatabaseServer) {}

  record(record: DecisionRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.schedule();
    });
  }

  /** Committed INSERTs, rows written and rows that failed since start (metrics and tests). */
  stats(): { batches: number; rows: number; failedRows: number } {
    return { ...this.counters };
  }

  async onApplicationShutdown(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    await this.pool?.end().catch(() => undefined);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    // Let the requests of the current turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH_ROWS);
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
      if (this.queue.length < MAX_BATCH_ROWS) break; // the rest waits for more company
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      await this.getPool().query({ text: INSERT, values: columns(batch.map((p) => p.record)) });
      this.counters.batches += 1;
      this.counters.rows += batch.length;
      for (const p of batch) p.resolve();
    } catch (error) {
      // A data error (class 22/23) belongs to one row: retry the rows one by one so it fails alone.
      if (batch.length > 1 && isDataError(error)) {
        await Promise.all(batch.map((p) => this.write([p])));
        return;
      }
      this.logger.error(`recording ${batch.length} decisions failed: ${(error as Error).message}`);
      this.counters.failedRows += batch.length;
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const p of batch) p.reject(failure);
    }
  }

  private getPool(): Pool {
    if (!this.pool) {
      this.pool = new Pool({
        connectionString: this.database.url,
        max: MAX_IN_FLIGHT,
        application_name: 'mandate-decision-recorder',
        connectionTimeoutMillis: 5000,
        query_timeout: 10_000,
      });
      // An idle client that loses its connection must not crash the process; the pool replaces it.
      this.pool.on('error', (error) =>
        this.logger.warn(`decision recorder connection lost: ${error.message}`),
      );
    }
    return this.pool;
  }
}

function columns(records: DecisionRecord[]): unknown[] {
  return [
    records.map((r) => r.id),
    records.map((r) => r.orgId),
    records.map((r) => r.decidedAt.toISOString()),
    records.map((r) => r.agentId),
    records.map((r) => r.agentName),
    records.map((r) => r.server),
    records.map((r) => r.tool),
    records.map((r) => r.phase),
    records.map((r) => r.decision),
    records.map((r) => JSON.stringify(r.reasons)),
    records.map((r) => JSON.stringify(r.obligations)),
    records.map((r) => r.inputJson),
    records.map((r) => r.policyRevision),
    records.map((r) => r.latencyUs),
    records.map((r) => r.apiKeyId),
    records.map((r) => r.requestId),
  ];
}

function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
