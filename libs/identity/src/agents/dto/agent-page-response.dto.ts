import { ApiProperty } from '@nestjs/swagger';
import { AgentResponseDto } from './agent-response.dto';

export class AgentPageResponseDto {
  @ApiProperty({ type: [AgentResponseDto] })
  items!: AgentResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Cursor of the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
