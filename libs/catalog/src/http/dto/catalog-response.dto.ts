import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { DefinitionDiff, Finding } from '@mandate/gates';
import type { CatalogServerEntity } from '../../entities/catalog-server.entity';
import type { CatalogToolEntity } from '../../entities/catalog-tool.entity';
import type { ReportedTool } from '../../store/catalog.service';

export class FindingDto {
  @ApiProperty() detector!: string;
  @ApiProperty({ description: 'JSON pointer into the definition.' }) path!: string;
  @ApiProperty({ enum: ['low', 'medium', 'high', 'critical'] }) severity!: string;
  @ApiProperty() detail!: string;
}

export class ReportedToolDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() digest!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'quarantined', 'blocked'] }) status!: string;
  @ApiProperty({ enum: ['read', 'write', 'destructive', 'external', 'unknown'] }) risk!: string;
  @ApiProperty({ type: [FindingDto] }) findings!: FindingDto[];

  static from(tool: ReportedTool): ReportedToolDto {
    return { ...tool, findings: tool.findings.map(findingDto) };
  }
}

export class CatalogReportResponseDto {
  @ApiProperty() serverId!: string;
  @ApiProperty({ type: [ReportedToolDto] }) tools!: ReportedToolDto[];
}

export class CatalogServerResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) url!: string | null;
  @ApiProperty() trustOnFirstUse!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(server: CatalogServerEntity): CatalogServerResponseDto {
    return {
      id: server.id,
      name: server.name,
      url: server.url,
      trustOnFirstUse: server.trustOnFirstUse,
      createdAt: server.createdAt.toISOString(),
      updatedAt: server.updatedAt.toISOString(),
    };
  }
}

export class CatalogServerPageResponseDto {
  @ApiProperty({ type: [CatalogServerResponseDto] }) items!: CatalogServerResponseDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class ApprovalByDto {
  @ApiProperty({ enum: ['member', 'api_key', 'system'] }) type!: string;
  @ApiProperty() id!: string;
}

/** A tool as listed (no definitions). */
export class CatalogToolSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty() serverId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'quarantined', 'blocked'] }) status!: string;
  @ApiProperty({ enum: ['read', 'write', 'destructive', 'external', 'unknown'] }) risk!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Digest of the newest definition seen.' })
  currentDigest!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Digest of the approved (pinned) definition.' })
  approvedDigest!: string | null;
  @ApiProperty({ type: ApprovalByDto, nullable: true }) approvedBy!: ApprovalByDto | null;
  @ApiProperty({ type: String, nullable: true }) approvedAt!: string | null;
  @ApiProperty({ type: [FindingDto], description: 'Scanner findings of the newest definition.' })
  findings!: FindingDto[];
  @ApiProperty() lastSeenAt!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(tool: CatalogToolEntity): CatalogToolSummaryDto {
    return {
      id: tool.id,
      serverId: tool.serverId,
      name: tool.name,
      status: tool.status,
      risk: tool.risk ?? 'unknown',
      currentDigest: tool.currentDigest,
      approvedDigest: tool.approvedDigest,
      approvedBy:
        tool.approvedByType !== null && tool.approvedById !== null
          ? { type: tool.approvedByType, id: tool.approvedById }
          : null,
      approvedAt: tool.approvedAt?.toISOString() ?? null,
      findings: tool.findings.map(findingDto),
      lastSeenAt: tool.lastSeenAt.toISOString(),
      createdAt: tool.createdAt.toISOString(),
      updatedAt: tool.updatedAt.toISOString(),
    };
  }
}

export class CatalogToolPageResponseDto {
  @ApiProperty({ type: [CatalogToolSummaryDto] }) items!: CatalogToolSummaryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

/** One tool with its definitions and the diff of the newest against the approved one. */
export class CatalogToolResponseDto extends CatalogToolSummaryDto {
  @ApiPropertyOptional({ type: Object, nullable: true }) currentDefinition!: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: Object, nullable: true }) approvedDefinition!: Record<string, unknown> | null;
  @ApiPropertyOptional({
    type: Object,
    nullable: true,
    description: 'Field-by-field diff {changed, before, after, fields: [{field, kind, changes}]}.',
  })
  diff!: DefinitionDiff | null;

  static detail(tool: CatalogToolEntity, diff: DefinitionDiff | null): CatalogToolResponseDto {
    return {
      ...CatalogToolSummaryDto.from(tool),
      currentDefinition: tool.currentDefinition,
      approvedDefinition: tool.approvedDefinition,
      diff,
    };
  }
}

function findingDto(f: Finding): FindingDto {
  return { detector: f.detector, path: f.path, severity: f.severity, detail: f.detail };
}
