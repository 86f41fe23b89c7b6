import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditExportJob } from '../audit-export-job.service';

/** A background audit export: status, progress and, once done, where to download it. */
export class AuditExportJobResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['jsonl', 'csv', 'ocsf'] }) format!: string;
  @ApiProperty({ enum: ['queued', 'running', 'done', 'failed'] }) status!: string;
  @ApiProperty() fromSeq!: number;
  @ApiProperty() toSeq!: number;
  @ApiProperty({ description: 'Events in the range' }) total!: number;
  @ApiProperty({ description: 'Events written so far (updated about once a second)' }) exported!: number;
  @ApiProperty() fileName!: string;
  @ApiPropertyOptional({ nullable: true }) bytes!: number | null;
  @ApiPropertyOptional({ nullable: true, description: 'hex SHA-256 of the file' }) sha256!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Authenticated GET of the file, once done' })
  downloadUrl!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Signed manifest, once done' })
  manifestUrl!: string | null;
  @ApiPropertyOptional({ nullable: true }) error!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) startedAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) finishedAt!: string | null;

  static from(job: AuditExportJob): AuditExportJobResponseDto {
    const done = job.status === 'done';
    return {
      id: job.id,
      format: job.format,
      status: job.status,
      fromSeq: job.fromSeq,
      toSeq: job.toSeq,
      total: job.total,
      exported: job.exported,
      fileName: job.fileName,
      bytes: job.bytes,
      sha256: job.sha256,
      downloadUrl: done ? `/v1/audit/exports/${job.id}/download` : null,
      manifestUrl: done ? `/v1/audit/exports/${job.id}/manifest` : null,
      error: job.error,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
    };
  }
}
