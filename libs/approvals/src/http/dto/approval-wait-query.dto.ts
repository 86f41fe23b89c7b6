import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Longest long-poll, seconds. */
export const MAX_WAIT_SECONDS = 60;

/** `?wait=N`: long-poll up to N seconds (0–60) for the request to leave `pending`. */
export class ApprovalWaitQueryDto {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  wait: number = 0;
}
