import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsObject, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { GrantScopeDto, PRINTABLE } from './grant-scope.dto';

export class CreateGrantRequestDto extends GrantScopeDto {
  @ApiPropertyOptional({ description: 'Name of the agent (give agent or agentSelector).' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  agent?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Every agent whose labels include all of these.',
    example: { team: 'payments' },
  })
  @IsOptional()
  @IsObject()
  agentSelector?: Record<string, string>;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  notBefore?: string;

  @ApiProperty({ maxLength: 500 })
  @IsString()
  @Length(1, 500)
  @Matches(PRINTABLE)
  reason!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The approval request this grant was issued for.' })
  @IsOptional()
  @IsUUID()
  approvalRequestId?: string;
}
