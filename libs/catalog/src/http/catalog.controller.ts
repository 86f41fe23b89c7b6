import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CursorQueryDto, DomainError, ErrorCode } from '@mandate/common';
import { actorOf, CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import type { FastifyRequest } from 'fastify';
import { CatalogService, type CatalogChangeContext } from '../store/catalog.service';
import {
  ApproveToolRequestDto,
  BlockToolRequestDto,
  ListCatalogToolsQueryDto,
  ReportCatalogRequestDto,
  SetToolRiskRequestDto,
  UpdateCatalogServerRequestDto,
} from './dto/catalog-request.dto';
import {
  CatalogReportResponseDto,
  CatalogServerPageResponseDto,
  CatalogServerResponseDto,
  CatalogToolPageResponseDto,
  CatalogToolResponseDto,
  CatalogToolSummaryDto,
  ReportedToolDto,
} from './dto/catalog-response.dto';

const uuid = () =>
  new ParseUUIDPipe({
    exceptionFactory: () =>
      new DomainError(ErrorCode.BadRequest, 'The id in the path must be a UUID', { field: 'id' }),
  });

function contextOf(principal: Principal, request: FastifyRequest): CatalogChangeContext {
  return { orgId: principal.orgId, actor: actorOf(principal), requestId: String(request.id), ip: request.ip };
}

@ApiTags('catalog')
@ApiBearerAuth()
@Controller('v1/catalog')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Post('report')
  @HttpCode(200)
  @RequirePermission('decisions:evaluate')
  @ApiOperation({
    summary: 'Report the tools a gateway sees on a server (its tools/list result)',
    description:
      'New tools start pending (or approved when the server trusts on first use); a changed definition of an ' +
      'approved tool is quarantined. Each definition is scanned for tool poisoning.',
  })
  @ApiOkResponse({ type: CatalogReportResponseDto })
  async report(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Body() body: ReportCatalogRequestDto,
  ): Promise<CatalogReportResponseDto> {
    const out = await this.catalog.report(contextOf(principal, request), body.server, body.tools);
    return { serverId: out.serverId, tools: out.tools.map((t) => ReportedToolDto.from(t)) };
  }

  @Get('servers')
  @RequirePermission('catalog:read')
  @ApiOperation({ summary: 'List catalog servers (cursor-paginated, oldest first)' })
  @ApiOkResponse({ type: CatalogServerPageResponseDto })
  async listServers(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<CatalogServerPageResponseDto> {
    const page = await this.catalog.listServers(principal.orgId, query.limit, query.cursor);
    return { items: page.items.map((s) => CatalogServerResponseDto.from(s)), nextCursor: page.nextCursor };
  }

  @Patch('servers/:id')
  @RequirePermission('catalog:write')
  @ApiOperation({ summary: 'Change a server (trust on first use)' })
  @ApiOkResponse({ type: CatalogServerResponseDto })
  async updateServer(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Param('id', uuid()) id: string,
    @Body() body: UpdateCatalogServerRequestDto,
  ): Promise<CatalogServerResponseDto> {
    const server = await this.catalog.updateServer(contextOf(principal, request), id, body);
    return CatalogServerResponseDto.from(server);
  }

  @Get('tools')
  @RequirePermission('catalog:read')
  @ApiOperation({ summary: 'List catalog tools (filters: serverId, status; cursor-paginated)' })
  @ApiOkResponse({ type: CatalogToolPageResponseDto })
  async listTools(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListCatalogToolsQueryDto,
  ): Promise<CatalogToolPageResponseDto> {
    const page = await this.catalog.listTools(
      principal.orgId,
      { serverId: query.serverId, status: query.status },
      query.limit,
      query.cursor,
    );
    return {
      items: page.items.map((t) => CatalogToolSummaryDto.from(t)),
      nextCursor: page.nextCursor,
    };
  }

  @Get('tools/:id')
  @RequirePermission('catalog:read')
  @ApiOperation({ summary: 'Get a tool with its definitions and the diff against the approved one' })
  @ApiOkResponse({ type: CatalogToolResponseDto })
  async getTool(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
  ): Promise<CatalogToolResponseDto> {
    const tool = await this.catalog.getTool(principal.orgId, id);
    return CatalogToolResponseDto.detail(tool, this.catalog.diffOf(tool));
  }

  @Post('tools/:id/approve')
  @HttpCode(200)
  @RequirePermission('catalog:write')
  @ApiOperation({
    summary: 'Approve (pin) the tool’s current definition',
    description: 'The body names the digest reviewed; 409 when it is not the current one.',
  })
  @ApiOkResponse({ type: CatalogToolResponseDto })
  async approve(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Param('id', uuid()) id: string,
    @Body() body: ApproveToolRequestDto,
  ): Promise<CatalogToolResponseDto> {
    const tool = await this.catalog.approve(contextOf(principal, request), id, body.digest);
    return CatalogToolResponseDto.detail(tool, null);
  }

  @Post('tools/:id/block')
  @HttpCode(200)
  @RequirePermission('catalog:write')
  @ApiOperation({ summary: 'Block a tool (its calls are denied until a definition is approved)' })
  @ApiOkResponse({ type: CatalogToolResponseDto })
  async block(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Param('id', uuid()) id: string,
    @Body() body: BlockToolRequestDto,
  ): Promise<CatalogToolResponseDto> {
    const tool = await this.catalog.block(contextOf(principal, request), id, body.reason);
    return CatalogToolResponseDto.detail(tool, this.catalog.diffOf(tool));
  }

  @Put('tools/:id/risk')
  @RequirePermission('catalog:write')
  @ApiOperation({ summary: 'Set the tool’s risk class in the admin-owned registry (null = unknown)' })
  @ApiOkResponse({ type: CatalogToolResponseDto })
  async setRisk(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Param('id', uuid()) id: string,
    @Body() body: SetToolRiskRequestDto,
  ): Promise<CatalogToolResponseDto> {
    const tool = await this.catalog.setRisk(contextOf(principal, request), id, body.risk);
    return CatalogToolResponseDto.detail(tool, this.catalog.diffOf(tool));
  }
}
