import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditSettings } from '../audit-settings.service';

/** An organisation's audit settings. */
export class AuditSettingsResponseDto {
  @ApiProperty({ type: [String], description: 'JSON paths (starting `$.data`) masked before hashing' })
  maskPaths!: string[];
  @ApiProperty({ enum: ['replace', 'remove'] }) maskMode!: 'replace' | 'remove';
  @ApiProperty({ description: 'Events older than this many days are purged (unless on legal hold)' })
  retentionDays!: number;
  @ApiProperty() legalHold!: boolean;
  @ApiPropertyOptional({ nullable: true }) legalHoldReason!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'null while the defaults apply' })
  updatedAt!: string | null;

  static from(settings: AuditSettings): AuditSettingsResponseDto {
    return { ...settings, maskPaths: [...settings.maskPaths] };
  }
}
