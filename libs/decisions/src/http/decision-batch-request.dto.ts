import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { DecisionRequestDto } from './decision-request.dto';

export const MAX_BATCH_ITEMS = 100;

/** `POST /v1/decisions/batch`: up to 100 independent decisions. */
export class DecisionBatchRequestDto {
  @ApiProperty({ type: [DecisionRequestDto], maxItems: MAX_BATCH_ITEMS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => DecisionRequestDto)
  items!: DecisionRequestDto[];
}
