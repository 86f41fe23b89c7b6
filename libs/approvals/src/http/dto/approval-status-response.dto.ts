import { ApiProperty } from '@nestjs/swagger';
import { APPROVAL_STATES } from '../../requests/approval-request.entity';
import type { ApprovalRequestEntity, ApprovalState } from '../../requests/approval-request.entity';
import { RETRY_AFTER_SECONDS } from '../../stage/approvals.stage';

/** What a gateway needs to know about a request (the long-poll answer). */
export class ApprovalStatusResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    enum: APPROVAL_STATES,
    description: 'Effective state: a pending request past expiresAt is expired.',
  })
  state!: ApprovalState;

  @ApiProperty({ enum: ['once', 'window'] })
  mode!: 'once' | 'window';

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  usableUntil!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  decidedAt!: string | null;

  @ApiProperty({ description: 'Seconds before asking again.' })
  retryAfter!: number;

  static from(request: ApprovalRequestEntity, state: ApprovalState): ApprovalStatusResponseDto {
    return {
      id: request.id,
      state,
      mode: request.mode,
      expiresAt: request.expiresAt.toISOString(),
      usableUntil: request.usableUntil?.toISOString() ?? null,
      decidedAt: request.decidedAt?.toISOString() ?? null,
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
}
