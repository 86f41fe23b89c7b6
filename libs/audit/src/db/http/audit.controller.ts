import { Readable } from 'node:stream';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { CursorQueryDto, decodeCursor, DomainError, encodeCursor, ErrorCode } from '@mandate/common';
import { actorOf, CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import type { FastifyReply } from 'fastify';
import type { ExportManifest } from '../../export-manifest';
import { AuditCheckpointService } from '../audit-checkpoint.service';
import { AuditExportJobService } from '../audit-export-job.service';
import { AuditExportService, type AuditExportRequest } from '../audit-export.service';
import { AuditSettingsService } from '../audit-settings.service';
import { AuditExportJobResponseDto } from './audit-export-job-response.dto';
import { AuditSettingsResponseDto } from './audit-settings-response.dto';
import { CreateAuditExportRequestDto } from './create-audit-export-request.dto';
import { UpdateAuditSettingsRequestDto } from './update-audit-settings-request.dto';
import { AuditLogRepository } from '../audit-log.repository';
import { AuditMasterKey } from '../audit-master-key';
import { AuditProofService } from '../audit-proof.service';
import { AuditSigningKeys } from '../audit-signing-keys';
import { AuditKeySetResponseDto } from './audit-key-set-response.dto';
import { CheckpointPageResponseDto } from './checkpoint-page-response.dto';
import { ConsistencyProofResponseDto } from './consistency-proof-response.dto';
import { InclusionProofResponseDto } from './inclusion-proof-response.dto';
import { AuditEventPageResponseDto } from './audit-event-page-response.dto';
import { AuditEventResponseDto } from './audit-event-response.dto';
import { AuditEventsQueryDto } from './audit-events-query.dto';
import { AuditExportQueryDto } from './audit-export-query.dto';
import { ConsistencyProofQueryDto } from './consistency-proof-query.dto';
import { InclusionProofQueryDto } from './inclusion-proof-query.dto';
import { CurrentAuditRequestMeta, type AuditRequestMeta } from './audit-request-meta.decorator';

const CONTENT_TYPES = {
  jsonl: 'application/jsonl',
  csv: 'text/csv; charset=utf-8',
  ocsf: 'application/jsonl',
};

/** The organisation's audit log: search, keys, checkpoints, proofs, export. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly log: AuditLogRepository,
    private readonly keys: AuditSigningKeys,
    private readonly masterKey: AuditMasterKey,
    private readonly checkpoints: AuditCheckpointService,
    private readonly proofs: AuditProofService,
    private readonly exports: AuditExportService,
    private readonly exportJobs: AuditExportJobService,
    private readonly settings: AuditSettingsService,
  ) {}

  @Get('settings')
  @RequirePermission('audit:read')
  @ApiOperation({ summary: "The organisation's audit settings: masking, retention, legal hold" })
  @ApiOkResponse({ type: AuditSettingsResponseDto })
  async getSettings(@CurrentPrincipal() principal: Principal): Promise<AuditSettingsResponseDto> {
    return AuditSettingsResponseDto.from(await this.settings.get(principal.orgId));
  }

  @Patch('settings')
  @RequirePermission('org:write')
  @ApiOperation({
    summary: 'Change masking paths, retention or legal hold (audited as `audit.settings_updated`)',
    description: 'Masking applies to events appended after the change; hashed events are never rewritten.',
  })
  @ApiOkResponse({ type: AuditSettingsResponseDto })
  async updateSettings(
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditRequestMeta() meta: AuditRequestMeta,
    @Body() body: UpdateAuditSettingsRequestDto,
  ): Promise<AuditSettingsResponseDto> {
    const updated = await this.settings.update(
      principal.orgId,
      actorOf(principal),
      {
        ...(body.maskPaths !== undefined ? { maskPaths: body.maskPaths } : {}),
        ...(body.maskMode !== undefined ? { maskMode: body.maskMode } : {}),
        ...(body.retentionDays !== undefined ? { retentionDays: body.retentionDays } : {}),
        ...(body.legalHold !== undefined ? { legalHold: body.legalHold } : {}),
        ...(body.legalHoldReason !== undefined ? { legalHoldReason: body.legalHoldReason } : {}),
      },
      meta,
    );
    return AuditSettingsResponseDto.from(updated);
  }

  @Post('exports')
  @HttpCode(202)
  @RequirePermission('audit:export')
  @ApiOperation({
    summary: 'Start a background export (large ranges); poll it, then download the file and its manifest',
  })
  @ApiAcceptedResponse({ type: AuditExportJobResponseDto })
  async createExport(
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditRequestMeta() meta: AuditRequestMeta,
    @Body() body: CreateAuditExportRequestDto,
  ): Promise<AuditExportJobResponseDto> {
    const job = await this.exportJobs.create(principal.orgId, actorOf(principal), toRequest(body), meta);
    return AuditExportJobResponseDto.from(job);
  }

  @Get('exports/:id')
  @RequirePermission('audit:export')
  @ApiOperation({ summary: 'Status and progress of a background export' })
  @ApiOkResponse({ type: AuditExportJobResponseDto })
  async getExport(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
  ): Promise<AuditExportJobResponseDto> {
    return AuditExportJobResponseDto.from(await this.exportJobs.get(principal.orgId, id));
  }

  @Get('exports/:id/download')
  @RequirePermission('audit:export')
  @ApiOperation({ summary: 'The file of a finished background export (409 until it is done)' })
  @ApiProduces('application/jsonl', 'text/csv')
  @ApiOkResponse({ description: 'The export file', schema: { type: 'string', format: 'binary' } })
  async downloadExport(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
  ): Promise<StreamableFile> {
    const { job, stream } = await this.exportJobs.open(principal.orgId, id);
    return new StreamableFile(stream, {
      type: CONTENT_TYPES[job.format],
      disposition: `attachment; filename="${job.fileName}"`,
      ...(job.bytes !== null ? { length: job.bytes } : {}),
    });
  }

  @Get('exports/:id/manifest')
  @RequirePermission('audit:export')
  @ApiOperation({ summary: 'The signed manifest of a finished background export (409 until it is done)' })
  @ApiOkResponse({ description: 'Signed export manifest', schema: { type: 'object' } })
  async exportManifest(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
  ): Promise<ExportManifest> {
    const job = await this.exportJobs.get(principal.orgId, id);
    if (job.status !== 'done' || !job.manifest) {
      throw new DomainError(ErrorCode.Conflict, `the export is ${job.status}`, { status: job.status });
    }
    return job.manifest;
  }

  @Get('events')
  @RequirePermission('audit:read')
  @ApiOperation({
    summary: 'Search the audit log (ascending by seq, cursor-paginated)',
    description:
      'Tool-call arguments are shown in full only to auditors and owners; others get them replaced by `[REDACTED]` (`redacted: true`).',
  })
  @ApiOkResponse({ type: AuditEventPageResponseDto })
  async events(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AuditEventsQueryDto,
  ): Promise<AuditEventPageResponseDto> {
    const afterSeq = query.cursor ? cursorSeq(query.cursor, 'seq') : 0;
    const [actorType, actorId] = splitRef(query.actor);
    const [subjectType, subjectId] = splitRef(query.subject);
    const rows = await this.log.search(
      principal.orgId,
      {
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: new Date(query.to) } : {}),
        ...(query.type ? { type: query.type } : {}),
        ...(actorType ? { actorType } : {}),
        ...(actorId ? { actorId } : {}),
        ...(subjectType ? { subjectType } : {}),
        ...(subjectId ? { subjectId } : {}),
        ...(query.agent ? { agent: query.agent } : {}),
        ...(query.tool ? { tool: query.tool } : {}),
        ...(query.decision ? { decision: query.decision } : {}),
        ...(query.member ? { member: query.member } : {}),
      },
      afterSeq,
      query.limit + 1,
    );
    const fullArguments = principal.roles.includes('auditor') || principal.roles.includes('owner');
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => AuditEventResponseDto.from(r, fullArguments)),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ seq: last.event.seq }) : null,
    };
  }

  @Get('keys')
  @RequirePermission('audit:read')
  @ApiOperation({
    summary: "The organisation's audit signing public keys (JWK set; the key is made on first use)",
  })
  @ApiOkResponse({ type: AuditKeySetResponseDto })
  async publicKeys(@CurrentPrincipal() principal: Principal): Promise<AuditKeySetResponseDto> {
    if (this.masterKey.get()) await this.keys.signingKey(principal.orgId);
    return { keys: await this.keys.publicKeys(principal.orgId) };
  }

  @Get('checkpoints')
  @RequirePermission('audit:read')
  @ApiOperation({ summary: 'Signed checkpoints (tree heads), ascending by tree size, cursor-paginated' })
  @ApiOkResponse({ type: CheckpointPageResponseDto })
  async listCheckpoints(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<CheckpointPageResponseDto> {
    const after = query.cursor ? cursorSeq(query.cursor, 'treeSize') : 0;
    const rows = await this.checkpoints.list(
      principal.orgId,
      after + 1,
      Number.MAX_SAFE_INTEGER,
      query.limit + 1,
    );
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > query.limit && last ? encodeCursor({ treeSize: last.treeSize }) : null,
    };
  }

  @Get('proofs/inclusion')
  @RequirePermission('audit:read')
  @ApiOperation({ summary: 'RFC 6962 inclusion proof of event `seq` in the tree of `treeSize` events' })
  @ApiOkResponse({ type: InclusionProofResponseDto })
  async inclusion(
    @CurrentPrincipal() principal: Principal,
    @Query() query: InclusionProofQueryDto,
  ): Promise<InclusionProofResponseDto> {
    return this.proofs.inclusion(principal.orgId, query.seq, query.treeSize);
  }

  @Get('proofs/consistency')
  @RequirePermission('audit:read')
  @ApiOperation({ summary: 'RFC 6962 consistency proof: the tree of `from` events is a prefix of `to`' })
  @ApiOkResponse({ type: ConsistencyProofResponseDto })
  async consistency(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ConsistencyProofQueryDto,
  ): Promise<ConsistencyProofResponseDto> {
    return this.proofs.consistency(principal.orgId, query.from, query.to);
  }

  @Get('export')
  @RequirePermission('audit:export')
  @ApiOperation({
    summary: 'Export one contiguous range of the log (streamed); the export itself is audited',
    description:
      'Headers `x-mandate-export-from-seq` / `x-mandate-export-to-seq` give the range: ask `/v1/audit/export/manifest` with the same fromSeq/toSeq/format for the signed manifest.',
  })
  @ApiProduces('application/jsonl', 'text/csv')
  @ApiOkResponse({
    description: 'The export file (JSON Lines, CSV or OCSF JSON Lines), streamed',
    schema: { type: 'string', format: 'binary' },
  })
  async export(
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditRequestMeta() meta: AuditRequestMeta,
    @Query() query: AuditExportQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const opened = await this.exports.open(principal.orgId, actorOf(principal), toRequest(query), meta);
    void reply.header('x-mandate-export-from-seq', String(opened.range.fromSeq));
    void reply.header('x-mandate-export-to-seq', String(opened.range.toSeq));
    return new StreamableFile(Readable.from(opened.chunks), {
      type: CONTENT_TYPES[query.format],
      disposition: `attachment; filename="${opened.fileName}"`,
    });
  }

  @Get('export/manifest')
  @RequirePermission('audit:export')
  @ApiOperation({ summary: 'Signed manifest of the export of the same range and format' })
  @ApiOkResponse({
    description:
      'Signed export manifest (`mandate.audit.export-manifest/v1`, docs/adr/0004-audit-hash-chain.md)',
    schema: { type: 'object' },
  })
  async manifest(
    @CurrentPrincipal() principal: Principal,
    @Query() query: AuditExportQueryDto,
  ): Promise<ExportManifest> {
    return this.exports.manifest(principal.orgId, toRequest(query));
  }
}

function toRequest(query: AuditExportQueryDto): AuditExportRequest {
  return {
    format: query.format,
    ...(query.fromSeq !== undefined ? { fromSeq: query.fromSeq } : {}),
    ...(query.toSeq !== undefined ? { toSeq: query.toSeq } : {}),
    ...(query.from ? { from: new Date(query.from) } : {}),
    ...(query.to ? { to: new Date(query.to) } : {}),
  };
}

function uuidParam(): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new DomainError(ErrorCode.BadRequest, 'The id in the path must be a UUID', { field: 'id' }),
  });
}

function splitRef(ref: string | undefined): [string | undefined, string | undefined] {
  if (!ref) return [undefined, undefined];
  const i = ref.indexOf(':');
  return i < 0 ? [ref, undefined] : [ref.slice(0, i), ref.slice(i + 1)];
}

function cursorSeq(cursor: string, field: string): number {
  const value = decodeCursor(cursor)[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new DomainError(ErrorCode.BadRequest, 'Invalid pagination cursor', { field: 'cursor' });
  }
  return value;
}
