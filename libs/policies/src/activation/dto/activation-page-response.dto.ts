import { ApiProperty } from '@nestjs/swagger';
import { ActivationRecordResponseDto } from './activation-record-response.dto';

export class ActivationPageResponseDto {
  @ApiProperty({ type: [ActivationRecordResponseDto] })
  items!: ActivationRecordResponseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
