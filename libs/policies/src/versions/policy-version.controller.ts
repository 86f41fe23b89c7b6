import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CursorQueryDto } from '@mandate/common';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { PolicyErrorResponseDto } from '../shared/error-response.dto';
import { CurrentRequestMeta } from '../shared/request-meta.decorator';
import type { RequestMeta } from '../shared/request-meta';
import { policyUuidParam } from '../shared/uuid-param';
import { CreateVersionRequestDto } from './dto/create-version-request.dto';
import { DiffQueryDto } from './dto/diff-query.dto';
import { VersionDiffResponseDto } from './dto/version-diff-response.dto';
import { VersionPageResponseDto } from './dto/version-page-response.dto';
import { VersionResponseDto } from './dto/version-response.dto';
import { VersionSummaryResponseDto } from './dto/version-summary-response.dto';
import { PolicyVersionService } from './policy-version.service';

@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies/versions')
export class PolicyVersionController {
  constructor(private readonly versions: PolicyVersionService) {}

  @Post()
  @RequirePermission('policies:write')
  @ApiOperation({ summary: 'Snapshot the (compiling) draft into a new immutable version' })
  @ApiCreatedResponse({ type: VersionSummaryResponseDto })
  @ApiConflictResponse({
    type: PolicyErrorResponseDto,
    description: 'No draft, or the draft does not compile.',
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: CreateVersionRequestDto,
  ): Promise<VersionSummaryResponseDto> {
    return VersionSummaryResponseDto.from(
      await this.versions.createFromDraft(principal, body.message ?? null, meta),
    );
  }

  @Get()
  @RequirePermission('policies:read')
  @ApiOperation({ summary: 'List versions (cursor-paginated, oldest first)' })
  @ApiOkResponse({ type: VersionPageResponseDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<VersionPageResponseDto> {
    const page = await this.versions.list(principal, query.limit, query.cursor);
    return { items: page.items.map((v) => VersionSummaryResponseDto.from(v)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @RequirePermission('policies:read')
  @ApiOperation({ summary: 'Get a version with its sources' })
  @ApiOkResponse({ type: VersionResponseDto })
  @ApiNotFoundResponse({ type: PolicyErrorResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', policyUuidParam()) id: string,
  ): Promise<VersionResponseDto> {
    return VersionResponseDto.from(await this.versions.get(principal, id));
  }

  @Get(':id/diff')
  @RequirePermission('policies:read')
  @ApiOperation({ summary: 'Unified diff per file from `against` (old) to this version (new)' })
  @ApiOkResponse({ type: VersionDiffResponseDto })
  @ApiNotFoundResponse({ type: PolicyErrorResponseDto })
  async diff(
    @CurrentPrincipal() principal: Principal,
    @Param('id', policyUuidParam()) id: string,
    @Query() query: DiffQueryDto,
  ): Promise<VersionDiffResponseDto> {
    return VersionDiffResponseDto.from(await this.versions.diff(principal, id, query.against));
  }
}
