import { ApiProperty } from '@nestjs/swagger';
import type { ApprovalHistoryEntity } from '../../requests/approval-history.entity';

export class ApprovalHistoryResponseDto {
  @ApiProperty({
    description: 'requested, vote_cast, approved, denied, expired, cancelled, escalated, consumed',
  })
  action!: string;

  @ApiProperty({ description: '`{type, id}` of who did it (member, api_key or system).' })
  actor!: { type: string; id: string };

  @ApiProperty({ type: Object })
  detail!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  static from(h: ApprovalHistoryEntity): ApprovalHistoryResponseDto {
    return {
      action: h.action,
      actor: { type: h.actorType, id: h.actorId },
      detail: h.detail,
      at: h.at.toISOString(),
    };
  }
}
