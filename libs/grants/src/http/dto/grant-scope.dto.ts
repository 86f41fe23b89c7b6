import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { GrantBudgetDto } from './grant-budget.dto';

// eslint-disable-next-line no-control-regex -- the point is to refuse control characters
export const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;

/** The fields that say what a grant (or template, or sub-grant) allows. */
export class GrantScopeDto {
  @ApiPropertyOptional({ description: 'MCP server name; omitted: any server.', example: 'payments' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  @Matches(PRINTABLE)
  server?: string;

  @ApiPropertyOptional({ description: 'Exact tool name.', example: 'refund' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  tool?: string;

  @ApiPropertyOptional({ description: 'Tool glob (`*`, `?`; `.` is a separator as in Rego glob.match).' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  toolPattern?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'JSON Schema the arguments must satisfy (at most 16 KiB).',
    example: { properties: { amount: { maximum: 100 } }, required: ['amount'] },
  })
  @IsOptional()
  @IsObject()
  constraints?: Record<string, unknown>;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  maxUses?: number;

  @ApiPropertyOptional({ type: GrantBudgetDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => GrantBudgetDto)
  budget?: GrantBudgetDto;
}
