import { ApiPropertyOptional } from '@nestjs/swagger';
import { CursorQueryDto } from '@mandate/common';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { APPROVAL_STATES, type ApprovalState } from '../../requests/approval-request.entity';

/** `GET /v1/approvals` filters. */
export class ApprovalListQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ enum: APPROVAL_STATES })
  @IsOptional()
  @IsIn(APPROVAL_STATES)
  state?: ApprovalState;

  @ApiPropertyOptional({ description: 'Tool name (exact).' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  tool?: string;

  @ApiPropertyOptional({ description: 'Agent name (exact).' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  agent?: string;
}
