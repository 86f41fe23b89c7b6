import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CursorQueryDto } from '@mandate/common';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { CurrentRequestMeta, type RequestMeta } from '../shared/request-meta';
import { grantUuidParam } from '../shared/uuid-param';
import { GrantTemplateService } from '../service/grant-template.service';
import { GrantResponseDto } from './dto/grant-response.dto';
import {
  CreateGrantTemplateRequestDto,
  InstantiateGrantTemplateRequestDto,
  UpdateGrantTemplateRequestDto,
} from './dto/grant-template-request.dto';
import {
  GrantTemplatePageResponseDto,
  GrantTemplateResponseDto,
  InstantiatedGrantsResponseDto,
  UpdatedGrantTemplateResponseDto,
} from './dto/grant-template-response.dto';

@ApiTags('grants')
@ApiBearerAuth()
@Controller('v1/grant-templates')
export class GrantTemplateController {
  constructor(private readonly templates: GrantTemplateService) {}

  @Post()
  @RequirePermission('grants:write')
  @ApiOperation({ summary: 'Create a grant template (agent slot; tool slot when it names no tool)' })
  @ApiCreatedResponse({ type: GrantTemplateResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: CreateGrantTemplateRequestDto,
  ): Promise<GrantTemplateResponseDto> {
    return GrantTemplateResponseDto.from(await this.templates.create(principal, body, meta));
  }

  @Get()
  @RequirePermission('grants:read')
  @ApiOperation({ summary: 'List grant templates (cursor-paginated)' })
  @ApiOkResponse({ type: GrantTemplatePageResponseDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<GrantTemplatePageResponseDto> {
    const page = await this.templates.list(principal, query.limit, query.cursor);
    return { items: page.items.map((t) => GrantTemplateResponseDto.from(t)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @RequirePermission('grants:read')
  @ApiOperation({ summary: 'Get a grant template' })
  @ApiOkResponse({ type: GrantTemplateResponseDto })
  @ApiNotFoundResponse()
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', grantUuidParam()) id: string,
  ): Promise<GrantTemplateResponseDto> {
    return GrantTemplateResponseDto.from(await this.templates.get(principal, id));
  }

  @Patch(':id')
  @RequirePermission('grants:write')
  @ApiOperation({ summary: 'Change a template; every live grant made from it changes with it' })
  @ApiOkResponse({ type: UpdatedGrantTemplateResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Param('id', grantUuidParam()) id: string,
    @Body() body: UpdateGrantTemplateRequestDto,
  ): Promise<UpdatedGrantTemplateResponseDto> {
    const result = await this.templates.update(principal, id, body, meta);
    return { template: GrantTemplateResponseDto.from(result.template), updatedGrants: result.updatedGrants };
  }

  @Post(':id/instantiate')
  @HttpCode(201)
  @RequirePermission('grants:write')
  @ApiOperation({ summary: 'Create one grant per agent (× tool) from the template' })
  @ApiCreatedResponse({ type: InstantiatedGrantsResponseDto })
  async instantiate(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Param('id', grantUuidParam()) id: string,
    @Body() body: InstantiateGrantTemplateRequestDto,
  ): Promise<InstantiatedGrantsResponseDto> {
    const grants = await this.templates.instantiate(principal, id, body, meta);
    return { grants: grants.map((g) => GrantResponseDto.from(g)) };
  }
}
