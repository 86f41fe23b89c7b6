import { ApiProperty } from '@nestjs/swagger';
import { DecisionResponseDto } from './decision-response.dto';

export class DecisionBatchResponseDto {
  @ApiProperty({ type: [DecisionResponseDto], description: 'One decision per item, in order.' })
  items!: DecisionResponseDto[];
}
