import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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

export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class CreateAgentRequestDto {
  @ApiProperty({ pattern: AGENT_NAME_PATTERN.source, example: 'invoice-bot' })
  @IsString()
  @Matches(AGENT_NAME_PATTERN, {
    message: 'name must be 1-128 characters of letters, digits, . _ - (starting with a letter or digit)',
  })
  name!: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Owning member; defaults to the caller when a member.',
  })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { team: 'payments' },
  })
  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ minimum: 0, maximum: 3, default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3)
  trustLevel?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
