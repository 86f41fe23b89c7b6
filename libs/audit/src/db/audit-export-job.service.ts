import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { AppConfig } from '@mandate/config';
import { DomainEventPublisher, type Actor } from '@mandate/events';
import { OutboxWriter } from '@mandate/queue';
import { DataSource } from 'typeorm';
import type { ExportFormat } from '../export-formats';
import type { ExportManifest } from '../export-manifest';
import { emptySummary } from '../export-writer';
import { AuditCheckpointService } from './audit-checkpoint.service';
import { storedExportChunks } from './audit-export-stream';
import { AuditExportService, exportFileName, type AuditExportRequest } from './audit-export.service';
import { AuditLogRepository } from './audit-log.repository';

export const AUDIT_EXPORT_TOPIC = 'audit.export';
export const AUDIT_EXPORTED = 'audit.exported';

export type AuditExportJobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface AuditExportJob {
  id: string;
  format: ExportFormat;
  status: AuditExportJobStatus;
  fromSeq: number;
  toSeq: number;
  total: number;
  exported: number;
  fileName: string;
  bytes: number | null;
  sha256: string | null;
  manifest: ExportManifest | null;
  error: string | null;
  filters: Record<string, unknown>;
  requestedBy: Actor;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface JobRow {
  id: string;
  org_id: string;
  requested_by: Actor;
  format: ExportFormat;
  filters: Record<string, unknown>;
  from_seq: string;
  to_seq: string;
  status: AuditExportJobStatus;
  exported: string;
  file_name: string;
  bytes: string | null;
  sha256: string | null;
  manifest: ExportManifest | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** Progress is written at most this often while a job runs. */
const PROGRESS_EVERY_MS = 1000;
/** Days an export file is kept after its job finished. */
export const EXPORT_FILE_DAYS = 7;
/** A job still running this long after it started is taken over by the next delivery (runner died). */
const STALE_AFTER_SECONDS = 600;

/**
 * Background exports of an organisation's log, for ranges too large to download in one request: the job
 * row, the `audit.exported` event and the outbox entry commit together; the job runs in the worker (or
 * in-process without Redis), streams the range to a file in constant memory, reports progress, and ends
 * with the signed manifest of exactly that file. The file is downloaded with an authenticated GET.
 */
@Injectable()
export class AuditExportJobService {
  private readonly logger = new Logger('AuditExportJob');

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly log: AuditLogRepository,
    private readonly exports: AuditExportService,
    private readonly checkpoints: AuditCheckpointService,
    private readonly publisher: DomainEventPublisher,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Where export files live (shared by the server and the worker). */
  directory(): string {
    return resolve(this.config.auditExportDir ?? join(this.config.dataDir, 'audit-exports'));
  }

  async create(
    org: string,
    actor: Actor,
    request: AuditExportRequest,
    meta: { requestId?: string; ip?: string } = {},
  ): Promise<AuditExportJob> {
    const range = await this.exports.resolveRange(org, request);
    if ((await this.log.head(org)).seq === range.toSeq) {
      await this.checkpoints.checkpointHead(org).catch(() => null); // best effort: signing may be unavailable
    }
    const id = randomUUID();
    const filters = {
      fromSeq: request.fromSeq ?? null,
      toSeq: request.toSeq ?? null,
      from: request.from?.toISOString() ?? null,
      to: request.to?.toISOString() ?? null,
    };
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO audit_export_jobs (id, org_id, requested_by, format, filters, from_seq, to_seq, file_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          id,
          org,
          JSON.stringify(actor),
          request.format,
          JSON.stringify(filters),
          range.fromSeq,
          range.toSeq,
          exportFileName(org, range, request.format),
        ],
      );
      await this.publisher.publish(manager, {
        type: AUDIT_EXPORTED,
        orgId: org,
        actor,
        subject: { type: 'audit_export', id },
        data: {
          jobId: id,
          format: request.format,
          fromSeq: range.fromSeq,
          toSeq: range.toSeq,
          from: filters.from,
          to: filters.to,
        },
        ...(meta.requestId ? { requestId: meta.requestId } : {}),
        ...(meta.ip ? { ip: meta.ip } : {}),
      });
      await this.outbox.enqueue(manager, AUDIT_EXPORT_TOPIC, { jobId: id, orgId: org });
    });
    return this.get(org, id);
  }

  async get(org: string, id: string): Promise<AuditExportJob> {
    const rows = await this.dataSource.query<JobRow[]>(
      `SELECT * FROM audit_export_jobs WHERE org_id = $1 AND id = $2`,
      [org, id],
    );
    if (!rows[0]) throw new DomainError(ErrorCode.NotFound, 'No such audit export');
    return toJob(rows[0]);
  }

  /** The finished export's file as a stream; 409 while it is not done. */
  async open(org: string, id: string): Promise<{ job: AuditExportJob; stream: Readable }> {
    const job = await this.get(org, id);
    if (job.status !== 'done') {
      throw new DomainError(ErrorCode.Conflict, `the export is ${job.status}`, { status: job.status });
    }
    const file = this.filePath(id, job.format);
    try {
      await stat(file);
    } catch {
      throw new DomainError(ErrorCode.NotFound, 'The export file is no longer available');
    }
    return { job, stream: createReadStream(file) };
  }

  /**
   * Runs the job if it is queued, or still running STALE_AFTER_SECONDS after it started (its runner
   * died); a re-run starts the file over. Returns false when another runner has it or it
   * is finished (at-least-once delivery makes both normal).
   */
  async run(org: string, id: string): Promise<boolean> {
    const claimed = await this.dataSource.query<JobRow[]>(
      `UPDATE audit_export_jobs SET status = 'running', started_at = now(), exported = 0
        WHERE org_id = $1 AND id = $2
          AND (status = 'queued' OR (status = 'running' AND started_at < now() - make_interval(secs => $3)))
        RETURNING *`,
      [org, id, STALE_AFTER_SECONDS],
    );
    // node-postgres answers an UPDATE … RETURNING through TypeORM as [rows, count].
    const rows = (Array.isArray(claimed[0]) ? claimed[0] : claimed) as JobRow[];
    if (!rows[0]) return false;
    const job = toJob(rows[0]);
    const dir = this.directory();
    const part = join(dir, `${id}.part`);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const summary = emptySummary(job.format);
      let lastProgress = Date.now();
      const progress = async (): Promise<void> => {
        if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
        lastProgress = Date.now();
        await this.dataSource.query(`UPDATE audit_export_jobs SET exported = $2 WHERE id = $1`, [
          id,
          summary.count,
        ]);
      };
      const chunks = storedExportChunks(this.log.records(org, job.fromSeq, job.toSeq), job.format, summary);
      async function* reporting(): AsyncGenerator<Buffer> {
        for await (const chunk of chunks) {
          yield chunk;
          await progress();
        }
      }
      await pipeline(Readable.from(reporting()), createWriteStream(part, { mode: 0o600 }));
      const request: AuditExportRequest = {
        format: job.format,
        fromSeq: job.fromSeq,
        toSeq: job.toSeq,
        ...(typeof job.filters.from === 'string' ? { from: new Date(job.filters.from) } : {}),
        ...(typeof job.filters.to === 'string' ? { to: new Date(job.filters.to) } : {}),
      };
      const manifest = await this.exports.signManifest(
        org,
        request,
        { fromSeq: job.fromSeq, toSeq: job.toSeq },
        summary,
      );
      await rename(part, this.filePath(id, job.format));
      await this.dataSource.query(
        `UPDATE audit_export_jobs SET status = 'done', exported = $2, bytes = $3, sha256 = $4, manifest = $5,
           finished_at = now() WHERE id = $1`,
        [id, summary.count, summary.bytes, summary.sha256, JSON.stringify(manifest)],
      );
      return true;
    } catch (error) {
      await rm(part, { force: true }).catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(`audit export ${id} failed: ${message}`);
      await this.dataSource.query(
        `UPDATE audit_export_jobs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
        [id, message.slice(0, 500)],
      );
      return true;
    }
  }

  /**
   * Deletes the files of exports finished more than `days` ago (the job rows stay, as the audit trail of
   * what was exported; their download then answers 404). Returns how many files were removed.
   */
  async removeExpiredFiles(days = EXPORT_FILE_DAYS): Promise<number> {
    const rows = await this.dataSource.query<Array<{ id: string; format: ExportFormat }>>(
      `SELECT id, format FROM audit_export_jobs
        WHERE status = 'done' AND finished_at < now() - make_interval(days => $1)
          AND finished_at >= now() - make_interval(days => $1 + 7)`,
      [days],
    );
    let removed = 0;
    for (const row of rows) {
      const file = this.filePath(row.id, row.format);
      try {
        await rm(file);
        removed += 1;
      } catch {
        // already gone (another replica, or an earlier run)
      }
    }
    return removed;
  }

  private filePath(id: string, format: ExportFormat): string {
    return join(this.directory(), `${id}.${format === 'ocsf' ? 'ocsf.jsonl' : format}`);
  }
}

function toJob(row: JobRow): AuditExportJob {
  const fromSeq = Number(row.from_seq);
  const toSeq = Number(row.to_seq);
  return {
    id: row.id,
    format: row.format,
    status: row.status,
    fromSeq,
    toSeq,
    total: toSeq - fromSeq + 1,
    exported: Number(row.exported),
    fileName: row.file_name,
    bytes: row.bytes === null ? null : Number(row.bytes),
    sha256: row.sha256,
    manifest: row.manifest,
    error: row.error,
    filters: row.filters,
    requestedBy: row.requested_by,
    createdAt: new Date(row.created_at).toISOString(),
    startedAt: row.started_at ? new Date(row.started_at).toISOString() : null,
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  };
}
