import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsBoundedJsonObject } from '../http/bounded-json.validator';
import { ARGUMENT_BOUNDS, NO_CONTROL } from '../http/decision-request.dto';

/** Room for the arguments (`context.mcp.args`) plus ToolHive's own context fields. */
const PORC_BOUNDS = {
  maxDepth: ARGUMENT_BOUNDS.maxDepth + 2,
  maxBytes: ARGUMENT_BOUNDS.maxBytes + 16 * 1024,
};
const CLAIM_BOUNDS = { maxDepth: 8, maxBytes: 64 * 1024 };

/**
 * The body ToolHive's `httpv1` authorizer sends to `<base>/decision`: a Principal-Operation-Resource-Context
 * (PORC) document built from the client's JWT claims and the MCP request.
 */
export class ToolhiveDecisionRequestDto {
  @ApiProperty({
    type: Object,
    description: 'Claims of the MCP client: `sub`, `mgroups`/`groups`, `email`, …',
  })
  @IsBoundedJsonObject(CLAIM_BOUNDS)
  principal!: Record<string, unknown>;

  @ApiProperty({ example: 'mcp:tool:call', description: '`mcp:<feature>:<operation>`.' })
  @IsString()
  @Length(3, 64)
  @Matches(/^mcp:[a-z_]+:[a-z_]+$/)
  operation!: string;

  @ApiProperty({
    example: 'mrn:mcp:filesystem:tool:read_file',
    description: '`mrn:mcp:<server>:<feature>:<id>`.',
  })
  @IsString()
  @Length(9, 1024)
  @Matches(NO_CONTROL)
  resource!: string;

  @ApiPropertyOptional({
    type: Object,
    description: '`mcp.args`: the tool arguments (when ToolHive includes them).',
  })
  @IsOptional()
  @IsBoundedJsonObject(PORC_BOUNDS)
  context?: Record<string, unknown>;
}
