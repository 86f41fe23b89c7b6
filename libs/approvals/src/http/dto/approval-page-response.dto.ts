import { ApiProperty } from '@nestjs/swagger';
import { ApprovalResponseDto } from './approval-response.dto';

export class ApprovalPageResponseDto {
  @ApiProperty({ type: [ApprovalResponseDto] })
  items!: ApprovalResponseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
