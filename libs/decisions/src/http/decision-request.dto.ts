import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CALL_OUTCOME_STATUSES,
  MAX_CALL_DURATION_MS,
  type CallOutcomeStatus,
} from '../evaluation/decision-input';
import { IsBoundedJsonObject } from './bounded-json.validator';

/** Printable text without control characters (PostgreSQL cannot store U+0000). */
// eslint-disable-next-line no-control-regex -- the point is to refuse control characters
export const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

export const ARGUMENT_BOUNDS = { maxDepth: 32, maxBytes: 256 * 1024 };
export const DEFINITION_BOUNDS = { maxDepth: 32, maxBytes: 64 * 1024 };
export const RESULT_BOUNDS = { maxDepth: 32, maxBytes: 512 * 1024 };

export class DecisionPrincipalDto {
  @ApiProperty({ description: 'Id of the human the agent acts for.' })
  @IsString()
  @Length(1, 256)
  @Matches(NO_CONTROL)
  id!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(320)
  @Matches(NO_CONTROL)
  email?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  @Matches(NO_CONTROL, { each: true })
  groups?: string[];
}

export class DecisionServerDto {
  @ApiProperty({ description: 'Name of the MCP server.' })
  @IsString()
  @Length(1, 256)
  @Matches(NO_CONTROL)
  name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @Matches(NO_CONTROL)
  url?: string;
}

export class DecisionToolDto {
  @ApiProperty()
  @IsString()
  @Length(1, 256)
  @Matches(NO_CONTROL)
  name!: string;

  @ApiPropertyOptional({
    type: Object,
    description:
      'The tool definition as the server declares it (name, description, inputSchema, annotations).',
  })
  @IsOptional()
  @IsBoundedJsonObject(DEFINITION_BOUNDS)
  definition?: Record<string, unknown>;
}

export class DecisionContextDto {
  @ApiPropertyOptional({ description: 'The MCP session id.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  @Matches(NO_CONTROL)
  session?: string;
}

/** How the upstream call went, reported with the `result` phase. */
export class CallOutcomeDto {
  @ApiProperty({ enum: CALL_OUTCOME_STATUSES })
  @IsIn(CALL_OUTCOME_STATUSES)
  status!: CallOutcomeStatus;

  @ApiProperty({ minimum: 0, maximum: MAX_CALL_DURATION_MS })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_CALL_DURATION_MS)
  durationMs!: number;
}

/** `POST /v1/decisions`: one tool call (or listing, or result) to decide on. */
export class DecisionRequestDto {
  @ApiProperty({ description: 'Name of the agent (resolved in the caller’s organisation).' })
  @IsString()
  @Length(1, 128)
  @Matches(NO_CONTROL)
  agent!: string;

  @ApiPropertyOptional({ type: DecisionPrincipalDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => DecisionPrincipalDto)
  principal?: DecisionPrincipalDto | null;

  @ApiProperty({ type: DecisionServerDto })
  @IsObject()
  @ValidateNested()
  @Type(() => DecisionServerDto)
  server!: DecisionServerDto;

  @ApiProperty({ type: DecisionToolDto })
  @IsObject()
  @ValidateNested()
  @Type(() => DecisionToolDto)
  tool!: DecisionToolDto;

  @ApiProperty({ type: Object, description: 'The call’s arguments (at most 256 KiB, 32 levels deep).' })
  @IsBoundedJsonObject(ARGUMENT_BOUNDS)
  arguments!: Record<string, unknown>;

  @ApiProperty({ enum: ['list', 'call', 'result'] })
  @IsIn(['list', 'call', 'result'])
  phase!: 'list' | 'call' | 'result';

  @ApiPropertyOptional({
    type: Object,
    description:
      'Phase `result` only (required there): the tool’s result, e.g. an MCP CallToolResult (at most 512 KiB, ' +
      '32 levels deep). Scanned for secrets and injected instructions; never stored.',
  })
  @ValidateIf((o: DecisionRequestDto) => o.phase === 'result' || o.result !== undefined)
  @IsBoundedJsonObject(RESULT_BOUNDS)
  result?: Record<string, unknown>;

  @ApiPropertyOptional({ type: DecisionContextDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DecisionContextDto)
  context?: DecisionContextDto;

  @ApiPropertyOptional({ description: 'Evaluate on a policy revision at least as new as this token names.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  consistencyToken?: string;

  @ApiPropertyOptional({
    type: () => CallOutcomeDto,
    description: 'Phase `result` only: how the upstream call went; recorded with the decision (audit log).',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CallOutcomeDto)
  outcome?: CallOutcomeDto;

  @ApiPropertyOptional({ description: 'A grant token (JWT issued by Mandate) the agent presents.' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  grantToken?: string;
}
