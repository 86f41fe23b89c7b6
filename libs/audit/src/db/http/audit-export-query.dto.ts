import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import { EXPORT_FORMATS, type ExportFormat } from '../../export-formats';

/** `GET /v1/audit/export` and `…/export/manifest`: one contiguous sequence range. */
export class AuditExportQueryDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'jsonl' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format: ExportFormat = 'jsonl';

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  fromSeq?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Default: the end of the log when the export starts.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  toSeq?: number;

  @ApiPropertyOptional({ description: 'Narrow to events at or after this instant (RFC 3339).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Narrow to events before this instant (RFC 3339).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
