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
  @ApiProperty({
    description:
      'Payload after masking. Tool-call arguments (`input.arguments`, `arguments`) are replaced by `[REDACTED]` unless the caller is an auditor or owner.',
  })
  data!: Record<string, unknown>;
  @ApiProperty({ description: 'True when arguments were hidden from this caller' }) redacted!: boolean;
  @ApiProperty({ type: [String], description: 'JSON paths masked before hashing' }) masked!: string[];
  @ApiPropertyOptional({ nullable: true }) requestId!: string | null;
  @ApiPropertyOptional({ nullable: true }) ip!: string | null;
  @ApiProperty({ description: 'hex SHA-256 Merkle leaf' }) leaf!: string;
  @ApiProperty({ description: 'hex chain hash' }) hash!: string;

  static from(record: AuditRecord, fullArguments: boolean): AuditEventResponseDto {
    const e = record.event;
    const { data, redacted } = fullArguments ? { data: e.data, redacted: false } : withoutArguments(e.data);
    return {
      seq: e.seq,
      id: e.id,
      time: e.time,
      type: e.type,
      actor: e.actor,
      subject: e.subject,
      data,
      redacted,
      masked: e.masked,
      requestId: e.requestId,
      ip: e.ip,
      leaf: record.leaf,
      hash: record.hash,
    };
  }
}

/** Placeholder of arguments hidden from callers who are neither auditors nor owners. */
export const REDACTED = '[REDACTED]';

/** The payload with tool-call arguments (`arguments`, `input.arguments`) replaced by {@link REDACTED}. */
export function withoutArguments(data: Record<string, unknown>): {
  data: Record<string, unknown>;
  redacted: boolean;
} {
  let redacted = false;
  const out: Record<string, unknown> = { ...data };
  if ('arguments' in out) {
    out.arguments = REDACTED;
    redacted = true;
  }
  const input = out.input;
  if (input !== null && typeof input === 'object' && !Array.isArray(input) && 'arguments' in input) {
    out.input = { ...(input as Record<string, unknown>), arguments: REDACTED };
    redacted = true;
  }
  return { data: out, redacted };
}
