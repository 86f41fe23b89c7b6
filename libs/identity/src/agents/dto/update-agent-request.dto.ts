import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsLabelMap } from '../labels';
import { AGENT_NAME_PATTERN } from './create-agent-request.dto';

export class UpdateAgentRequestDto {
  @ApiPropertyOptional({ pattern: AGENT_NAME_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(AGENT_NAME_PATTERN, {
    message: 'name must be 1-128 characters of letters, digits, . _ - (starting with a letter or digit)',
  })
  name?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Replaces all labels.',
  })
  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ minimum: 0, maximum: 3 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3)
  trustLevel?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
