import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_MASK_PATHS } from '../../mask-rules';

/** `PATCH /v1/audit/settings`: only the fields given change. */
export class UpdateAuditSettingsRequestDto {
  @ApiPropertyOptional({
    type: [String],
    description:
      "JSON paths masked in every event before hashing: `$.data.…` with `.name`, `['name']`, `[0]`, `*`, `..name`.",
    example: ['$.data.input.arguments.ssn', '$.data..cardNumber'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_MASK_PATHS)
  @IsString({ each: true })
  @MaxLength(300, { each: true })
  @Matches(/^\$\.data([.[]|$)/, { each: true, message: 'each mask path must start with $.data' })
  maskPaths?: string[];

  @ApiPropertyOptional({ enum: ['replace', 'remove'] })
  @IsOptional()
  @IsIn(['replace', 'remove'])
  maskMode?: 'replace' | 'remove';

  @ApiPropertyOptional({ minimum: 1, maximum: 36500, default: 400 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  retentionDays?: number;

  @ApiPropertyOptional({ description: 'While true nothing is purged, whatever its age.' })
  @IsOptional()
  @IsBoolean()
  legalHold?: boolean;

  @ApiPropertyOptional({ nullable: true, maxLength: 500 })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  @MaxLength(500)
  legalHoldReason?: string | null;
}
