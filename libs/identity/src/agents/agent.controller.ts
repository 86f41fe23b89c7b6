import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CursorQueryDto } from '@mandate/common';
import { CurrentPrincipal, RequirePermission } from '../access/access.decorators';
import type { Principal } from '../access/principal';
import { ApiAdminEndpoint } from '../shared/api-errors.decorator';
import { ErrorResponseDto } from '../shared/error-response.dto';
import { uuidParam } from '../shared/uuid-param';
import { AgentService } from './agent.service';
import { AgentPageResponseDto } from './dto/agent-page-response.dto';
import { AgentResponseDto } from './dto/agent-response.dto';
import { CreateAgentRequestDto } from './dto/create-agent-request.dto';
import { UpdateAgentRequestDto } from './dto/update-agent-request.dto';

@ApiTags('agents')
@ApiAdminEndpoint()
@Controller('v1/agents')
export class AgentController {
  constructor(private readonly agents: AgentService) {}

  @Get()
  @RequirePermission('agents:read')
  @ApiOperation({ summary: 'List agents (cursor-paginated, oldest first)' })
  @ApiOkResponse({ type: AgentPageResponseDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<AgentPageResponseDto> {
    const page = await this.agents.list(principal, query.limit, query.cursor);
    return { items: page.items.map((agent) => AgentResponseDto.from(agent)), nextCursor: page.nextCursor };
  }

  @Post()
  @RequirePermission('agents:write')
  @ApiOperation({ summary: 'Register an agent' })
  @ApiCreatedResponse({ type: AgentResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'An agent with this name exists.' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateAgentRequestDto,
  ): Promise<AgentResponseDto> {
    return AgentResponseDto.from(await this.agents.create(principal, body));
  }

  @Get(':id')
  @RequirePermission('agents:read')
  @ApiOperation({ summary: 'Get an agent' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
  ): Promise<AgentResponseDto> {
    return AgentResponseDto.from(await this.agents.get(principal, id));
  }

  @Patch(':id')
  @RequirePermission('agents:write')
  @ApiOperation({ summary: 'Change an agent (labels are replaced as a whole)' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
    @Body() body: UpdateAgentRequestDto,
  ): Promise<AgentResponseDto> {
    return AgentResponseDto.from(await this.agents.update(principal, id, body));
  }

  @Delete(':id')
  @RequirePermission('agents:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an agent' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async delete(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
  ): Promise<void> {
    await this.agents.delete(principal, id);
  }
}
