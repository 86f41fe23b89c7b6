import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { DomainEventPublisher, type Actor } from '@mandate/events';
import { DataSource } from 'typeorm';
import { emptySummary, type ExportSummary } from '../export-writer';
import type { ExportFormat } from '../export-formats';
import { signExportManifest, type ExportManifest } from '../export-manifest';
import { AuditCheckpointService } from './audit-checkpoint.service';
import { storedExportChunks } from './audit-export-stream';
import { AuditLogRepository } from './audit-log.repository';
import { AuditSigningKeys } from './audit-signing-keys';

export interface AuditExportRequest {
  format: ExportFormat;
  fromSeq?: number;
  toSeq?: number;
  from?: Date;
  to?: Date;
}

export interface AuditExportRange {
  fromSeq: number;
  toSeq: number;
}

export interface OpenedExport {
  range: AuditExportRange;
  fileName: string;
  chunks: AsyncGenerator<Buffer>;
}

/** Largest number of checkpoints listed in one manifest. */
const MAX_MANIFEST_CHECKPOINTS = 10_000;

/**
 * Exports of one organisation's log: always one contiguous sequence range (a time filter becomes the
 * range it covers), streamed from the database in keyset batches; a signed manifest for the same range.
 * Each export is itself an audited event (`audit.exported`).
 */
@Injectable()
export class AuditExportService {
  private readonly logger = new Logger('AuditExport');

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: AuditLogRepository,
    private readonly checkpoints: AuditCheckpointService,
    private readonly keys: AuditSigningKeys,
    private readonly publisher: DomainEventPublisher,
  ) {}

  async resolveRange(org: string, request: AuditExportRequest): Promise<AuditExportRange> {
    const head = await this.log.head(org);
    const horizon = (await this.log.horizon(org))?.toSeq ?? 0;
    if (request.fromSeq !== undefined && request.fromSeq <= horizon) {
      throw new DomainError(
        ErrorCode.Conflict,
        `events up to ${horizon} were purged by retention; exports start at ${horizon + 1}`,
        { field: 'fromSeq', purgedThrough: horizon },
      );
    }
    let fromSeq = request.fromSeq ?? horizon + 1;
    let toSeq = request.toSeq ?? head.seq;
    if (toSeq > head.seq) {
      throw new DomainError(ErrorCode.BadRequest, `toSeq is beyond the end of the log (${head.seq})`, {
        field: 'toSeq',
        headSeq: head.seq,
      });
    }
    if (request.from || request.to) {
      const window = await this.log.seqRangeOfTime(org, request.from, request.to);
      if (!window) throw emptyRange();
      fromSeq = Math.max(fromSeq, window.first);
      toSeq = Math.min(toSeq, window.last);
    }
    if (fromSeq > toSeq) throw emptyRange();
    return { fromSeq, toSeq };
  }

  /**
   * Starts an export: fixes its range, makes sure a checkpoint covers its end when it ends at the head,
   * records the `audit.exported` event (committed before any byte is sent), and returns the byte stream.
   */
  async open(
    org: string,
    actor: Actor,
    request: AuditExportRequest,
    meta: { requestId?: string; ip?: string },
  ): Promise<OpenedExport> {
    const range = await this.resolveRange(org, request);
    if ((await this.log.head(org)).seq === range.toSeq) {
      await this.checkpoints.checkpointHead(org).catch(() => null); // best effort: signing may be unavailable
    }
    await this.dataSource.transaction((manager) =>
      this.publisher.publish(manager, {
        type: 'audit.exported',
        orgId: org,
        actor,
        data: {
          format: request.format,
          fromSeq: range.fromSeq,
          toSeq: range.toSeq,
          from: request.from?.toISOString() ?? null,
          to: request.to?.toISOString() ?? null,
        },
        ...(meta.requestId ? { requestId: meta.requestId } : {}),
        ...(meta.ip ? { ip: meta.ip } : {}),
      }),
    );
    const summary = emptySummary(request.format);
    return {
      range,
      fileName: exportFileName(org, range, request.format),
      chunks: storedExportChunks(this.log.records(org, range.fromSeq, range.toSeq), request.format, summary),
    };
  }

  /** The signed manifest of the export of `range` (recomputes the file's SHA-256 by streaming it). */
  async manifest(org: string, request: AuditExportRequest): Promise<ExportManifest> {
    const range = await this.resolveRange(org, request);
    const summary = emptySummary(request.format);
    for await (const chunk of storedExportChunks(
      this.log.records(org, range.fromSeq, range.toSeq),
      request.format,
      summary,
    )) {
      void chunk; // only the summary (count, hashes, size) is needed
    }
    return this.signManifest(org, request, range, summary);
  }

  /** Signs the manifest of an export of `range` whose bytes produced `summary`. */
  async signManifest(
    org: string,
    request: AuditExportRequest,
    range: AuditExportRange,
    summary: ExportSummary,
  ): Promise<ExportManifest> {
    const privateKey = await this.keys.signingKey(org);
    const prevHash = await this.log.hashAt(org, range.fromSeq - 1);
    if (prevHash === null) {
      throw new DomainError(ErrorCode.Conflict, `the audit log has no event ${range.fromSeq - 1}`);
    }
    const frontier = await this.log.frontierAt(org, range.fromSeq - 1);
    const expected = range.toSeq - range.fromSeq + 1;
    if (summary.count !== expected || summary.firstSeq !== range.fromSeq || summary.lastSeq !== range.toSeq) {
      // The database lost or reordered rows. The manifest states the range the export stands for, so the
      // offline verifier names the first bad sequence number instead of rejecting the manifest.
      this.logger.error(
        `audit log of ${org}: ${summary.count} stored rows for the ${expected} events ${range.fromSeq}-${range.toSeq}`,
      );
      summary.count = expected;
      summary.firstSeq = range.fromSeq;
      summary.lastSeq = range.toSeq;
    }
    const covering = await this.checkpoints.list(
      org,
      Math.max(range.fromSeq - 1, 1),
      range.toSeq,
      MAX_MANIFEST_CHECKPOINTS,
    );
    return signExportManifest(
      {
        org,
        summary,
        fileName: exportFileName(org, range, request.format),
        prevHash,
        merkleFrontier: frontier.frontierHex(),
        checkpoints: covering,
        filters: {
          fromSeq: request.fromSeq ?? null,
          toSeq: request.toSeq ?? null,
          from: request.from?.toISOString() ?? null,
          to: request.to?.toISOString() ?? null,
        },
      },
      privateKey,
    );
  }
}

function emptyRange(): DomainError {
  return new DomainError(ErrorCode.NotFound, 'No audit events in the requested range');
}

export function exportFileName(org: string, range: AuditExportRange, format: ExportFormat): string {
  return `audit-${org}-${range.fromSeq}-${range.toSeq}.${format === 'ocsf' ? 'ocsf.jsonl' : format}`;
}
