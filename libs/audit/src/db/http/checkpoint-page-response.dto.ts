import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CheckpointResponseDto } from './checkpoint-response.dto';

export class CheckpointPageResponseDto {
  @ApiProperty({ type: [CheckpointResponseDto] }) items!: CheckpointResponseDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor!: string | null;
}
