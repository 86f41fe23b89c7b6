import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsInt, IsOptional, Max, Min } from 'class-validator';
import { REPLAY_LIMITS } from './policy-replay.service';

export class ReplayRequestDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: `Replay decisions made at or after this time (default: ${REPLAY_LIMITS.defaultWindowDays} days before \`until\`).`,
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  since?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Before this time (default: now).' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  until?: Date;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: REPLAY_LIMITS.maxLimit,
    default: REPLAY_LIMITS.defaultLimit,
    description: 'Most recent decisions of the window to replay.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(REPLAY_LIMITS.maxLimit)
  limit?: number;
}
