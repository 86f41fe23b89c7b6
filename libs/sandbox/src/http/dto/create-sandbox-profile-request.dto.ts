import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { VIOLATION_REACTIONS, type ViolationReaction } from '../../store/sandbox-profile.entity';

// eslint-disable-next-line no-control-regex
export const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

export class CreateSandboxProfileRequestDto {
  @ApiProperty({ description: 'Unique name in the organisation.', example: 'filesystem-readonly' })
  @IsString()
  @Length(1, 128)
  @Matches(NO_CONTROL)
  name!: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiProperty({
    description:
      'The profile: {filesystem: {readOnlyRoot, read, write, hide}, network: {mode: none|loopback|allowlist, hosts}, ' +
      'env: {allow, set, secrets}, limits: {cpuSeconds, memoryBytes, openFiles, processes, wallClockMsPerCall}, ' +
      'nodePermissions}. Omitted fields take safe defaults. At most 32 KiB.',
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  spec!: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], description: 'MCP server names this profile applies to.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  @Matches(NO_CONTROL, { each: true })
  servers?: string[];

  @ApiPropertyOptional({
    description: 'Applies to servers without a profile of their own (one per organisation).',
  })
  @IsOptional()
  @IsBoolean()
  isDefault?: boolean;

  @ApiPropertyOptional({ enum: VIOLATION_REACTIONS, default: 'record' })
  @IsOptional()
  @IsIn(VIOLATION_REACTIONS)
  onViolation?: ViolationReaction;
}
