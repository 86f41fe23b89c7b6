import { ApiProperty } from '@nestjs/swagger';
import type { ApprovalVoteEntity } from '../../requests/approval-vote.entity';

export class ApprovalVoteResponseDto {
  @ApiProperty({ format: 'uuid' })
  memberId!: string;

  @ApiProperty({ enum: ['approve', 'deny'] })
  vote!: 'approve' | 'deny';

  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  static from(v: ApprovalVoteEntity): ApprovalVoteResponseDto {
    return { memberId: v.memberId, vote: v.vote, reason: v.reason, at: v.createdAt.toISOString() };
  }
}
