import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditRecord } from '../../audit-event';

/** One audit event as served by the search API. */
export class AuditEventResponseDto {
  @ApiProperty() seq!: number;
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'RFC 3339 with milliseconds' }) time!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ example: { type: 'member', id: '…' } }) actor!: { type: string; id: string };
  @ApiPropertyOptional({ nullable: true }) subject!: { type: string; id: string } | null;
  @ApiPropertyOptional({
    nullable: true,
    description:
      'Payload after masking; null (and `redacted: true`) unless the caller is an auditor or owner.',
  })
  data!: Record<string, unknown> | null;
  @ApiProperty() redacted!: boolean;
  @ApiProperty({ type: [String], description: 'JSON paths masked before hashing' }) masked!: string[];
  @ApiPropertyOptional({ nullable: true }) requestId!: string | null;
  @ApiPropertyOptional({ nullable: true }) ip!: string | null;
  @ApiProperty({ description: 'hex SHA-256 Merkle leaf' }) leaf!: string;
  @ApiProperty({ description: 'hex chain hash' }) hash!: string;

  static from(record: AuditRecord, showData: boolean): AuditEventResponseDto {
    const e = record.event;
    return {
      seq: e.seq,
      id: e.id,
      time: e.time,
      type: e.type,
      actor: e.actor,
      subject: e.subject,
      data: showData ? e.data : null,
      redacted: !showData,
      masked: e.masked,
      requestId: e.requestId,
      ip: e.ip,
      leaf: record.leaf,
      hash: record.hash,
    };
  }
}
