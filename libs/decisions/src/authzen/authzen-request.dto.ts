import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { IsBoundedJsonObject } from '../http/bounded-json.validator';
import { MAX_BATCH_ITEMS } from '../http/decision-batch-request.dto';
import { ARGUMENT_BOUNDS, NO_CONTROL } from '../http/decision-request.dto';

/** Properties of subject, action, resource and context: arguments and a definition fit in these bounds. */
const PROPERTY_BOUNDS = {
  maxDepth: ARGUMENT_BOUNDS.maxDepth + 2,
  maxBytes: ARGUMENT_BOUNDS.maxBytes + 64 * 1024,
};

export class AuthzenSubjectDto {
  @ApiProperty({ example: 'agent' })
  @IsString()
  @Length(1, 64)
  type!: string;

  @ApiProperty({ description: 'The agent’s name.' })
  @IsString()
  @Length(1, 128)
  @Matches(NO_CONTROL)
  id!: string;

  @ApiPropertyOptional({
    type: Object,
    description: '`principal`: {id, email?, groups?} the agent acts for.',
  })
  @IsOptional()
  @IsBoundedJsonObject(PROPERTY_BOUNDS)
  properties?: Record<string, unknown>;
}

export class AuthzenActionDto {
  @ApiProperty({ example: 'tools/call', description: '`tools/call`, `tools/list` or `tools/result`.' })
  @IsString()
  @Length(1, 64)
  name!: string;

  @ApiPropertyOptional({ type: Object })
  @IsOptional()
  @IsBoundedJsonObject(PROPERTY_BOUNDS)
  properties?: Record<string, unknown>;
}

export class AuthzenResourceDto {
  @ApiProperty({ example: 'mcp_tool' })
  @IsString()
  @Length(1, 64)
  type!: string;

  @ApiProperty({ example: 'filesystem/read_file', description: '`<server>/<tool>`.' })
  @IsString()
  @Length(3, 514)
  @Matches(NO_CONTROL)
  id!: string;

  @ApiPropertyOptional({ type: Object, description: '`arguments`, optional `definition` and `server_url`.' })
  @IsOptional()
  @IsBoundedJsonObject(PROPERTY_BOUNDS)
  properties?: Record<string, unknown>;
}

/** One AuthZEN access evaluation (every member optional in `evaluations` items; defaults fill them). */
export class AuthzenEvaluationItemDto {
  @ApiPropertyOptional({ type: AuthzenSubjectDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AuthzenSubjectDto)
  subject?: AuthzenSubjectDto;

  @ApiPropertyOptional({ type: AuthzenActionDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AuthzenActionDto)
  action?: AuthzenActionDto;

  @ApiPropertyOptional({ type: AuthzenResourceDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AuthzenResourceDto)
  resource?: AuthzenResourceDto;

  @ApiPropertyOptional({ type: Object, description: '`session`, `consistency_token`.' })
  @IsOptional()
  @IsBoundedJsonObject(PROPERTY_BOUNDS)
  context?: Record<string, unknown>;
}

export class AuthzenOptionsDto {
  @ApiPropertyOptional({ enum: ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] })
  @IsOptional()
  @IsIn(['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'])
  evaluations_semantic?: 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit';
}

/** `POST /access/v1/evaluations`: top-level members are defaults for each item of `evaluations`. */
export class AuthzenEvaluationsRequestDto extends AuthzenEvaluationItemDto {
  @ApiPropertyOptional({ type: [AuthzenEvaluationItemDto], maxItems: MAX_BATCH_ITEMS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_BATCH_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => AuthzenEvaluationItemDto)
  evaluations?: AuthzenEvaluationItemDto[];

  @ApiPropertyOptional({ type: AuthzenOptionsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AuthzenOptionsDto)
  options?: AuthzenOptionsDto;
}
