import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CursorQueryDto } from '@mandate/common';
import { Type } from 'class-transformer';
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
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  RISK_CLASSES,
  TOOL_STATUSES,
  type RiskClass,
  type ToolStatus,
} from '../../entities/catalog-tool.entity';
import { CATALOG_LIMITS } from '../../store/catalog.service';

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

export class CatalogServerRefDto {
  @ApiProperty({ description: 'Name of the MCP server, as the gateway names it in decisions.' })
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

/** `POST /v1/catalog/report`: the tools a gateway saw on one server (its `tools/list` result). */
export class ReportCatalogRequestDto {
  @ApiProperty({ type: CatalogServerRefDto })
  @IsObject()
  @ValidateNested()
  @Type(() => CatalogServerRefDto)
  server!: CatalogServerRefDto;

  @ApiProperty({
    type: [Object],
    description: `MCP Tool objects (name, title, description, inputSchema, outputSchema, annotations; other fields are not pinned). At most ${CATALOG_LIMITS.maxToolsPerReport}.`,
  })
  @IsArray()
  @ArrayMaxSize(CATALOG_LIMITS.maxToolsPerReport)
  @IsObject({ each: true })
  tools!: Array<Record<string, unknown>>;
}

export class UpdateCatalogServerRequestDto {
  @ApiPropertyOptional({
    description: 'Approve tools of this server the first time they are seen (never a changed definition).',
  })
  @IsOptional()
  @IsBoolean()
  trustOnFirstUse?: boolean;
}

export class ListCatalogToolsQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ description: 'Only tools of this server (its catalog id).' })
  @IsOptional()
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
    message: 'serverId must be a UUID',
  })
  serverId?: string;

  @ApiPropertyOptional({ enum: TOOL_STATUSES })
  @IsOptional()
  @IsIn(TOOL_STATUSES)
  status?: ToolStatus;
}

export class ApproveToolRequestDto {
  @ApiProperty({ description: 'Digest of the definition being approved (the tool’s current digest).' })
  @IsString()
  @Matches(/^sha256:[0-9a-f]{64}$/, { message: 'digest must be sha256:<64 hex digits>' })
  digest!: string;
}

export class BlockToolRequestDto {
  @ApiPropertyOptional({ description: 'Why (kept in the audit log).' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @Matches(NO_CONTROL)
  reason?: string;
}

export class SetToolRiskRequestDto {
  @ApiProperty({
    enum: RISK_CLASSES,
    nullable: true,
    description: 'The tool’s risk class; null = unknown (counts as destructive).',
  })
  @ValidateIf((o: SetToolRiskRequestDto) => o.risk !== null)
  @IsIn(RISK_CLASSES)
  risk!: RiskClass | null;
}
