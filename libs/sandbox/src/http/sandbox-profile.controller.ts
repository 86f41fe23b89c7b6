import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CursorQueryDto } from '@mandate/common';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { SandboxProfileService } from '../store/sandbox-profile.service';
import { CreateSandboxProfileRequestDto } from './dto/create-sandbox-profile-request.dto';
import { ResolveSandboxQueryDto } from './dto/resolve-sandbox-query.dto';
import { SandboxProfilePageResponseDto, SandboxProfileResponseDto } from './dto/sandbox-profile-response.dto';
import { SandboxResolutionResponseDto } from './dto/sandbox-resolution-response.dto';
import { UpdateSandboxProfileRequestDto } from './dto/update-sandbox-profile-request.dto';
import { CurrentRequestMeta, type RequestMeta } from './request-meta';
import { sandboxUuidParam } from './uuid-param';

@ApiTags('sandbox')
@ApiBearerAuth()
@Controller('v1/sandbox/profiles')
export class SandboxProfileController {
  constructor(private readonly profiles: SandboxProfileService) {}

  @Get()
  @RequirePermission('catalog:read')
  @ApiOperation({ summary: 'List sandbox profiles (cursor-paginated, by name)' })
  @ApiOkResponse({ type: SandboxProfilePageResponseDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<SandboxProfilePageResponseDto> {
    const page = await this.profiles.list(principal, query.limit, query.cursor);
    return { items: page.items.map((p) => SandboxProfileResponseDto.from(p)), nextCursor: page.nextCursor };
  }

  @Post()
  @RequirePermission('catalog:write')
  @ApiOperation({ summary: 'Create a sandbox profile (audited)' })
  @ApiCreatedResponse({ type: SandboxProfileResponseDto })
  @ApiConflictResponse({ description: 'Name taken, a server already has a profile, or a default exists.' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: CreateSandboxProfileRequestDto,
  ): Promise<SandboxProfileResponseDto> {
    return SandboxProfileResponseDto.from(await this.profiles.create(principal, meta, body));
  }

  @Get('resolve')
  @RequirePermission('decisions:evaluate')
  @ApiOperation({
    summary: 'For gateways: the profile to run a server under (its own, else the default) and its quarantine',
  })
  @ApiOkResponse({ type: SandboxResolutionResponseDto })
  async resolve(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ResolveSandboxQueryDto,
  ): Promise<SandboxResolutionResponseDto> {
    return SandboxResolutionResponseDto.from(
      query.server,
      await this.profiles.resolve(principal.orgId, query.server),
    );
  }

  @Get(':id')
  @RequirePermission('catalog:read')
  @ApiOperation({ summary: 'Get a sandbox profile' })
  @ApiOkResponse({ type: SandboxProfileResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', sandboxUuidParam()) id: string,
  ): Promise<SandboxProfileResponseDto> {
    return SandboxProfileResponseDto.from(await this.profiles.get(principal, id));
  }

  @Patch(':id')
  @RequirePermission('catalog:write')
  @ApiOperation({ summary: 'Change a sandbox profile (audited; bumps its revision)' })
  @ApiOkResponse({ type: SandboxProfileResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Param('id', sandboxUuidParam()) id: string,
    @Body() body: UpdateSandboxProfileRequestDto,
  ): Promise<SandboxProfileResponseDto> {
    return SandboxProfileResponseDto.from(await this.profiles.update(principal, meta, id, body));
  }

  @Delete(':id')
  @RequirePermission('catalog:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a sandbox profile (audited)' })
  @ApiNoContentResponse()
  async delete(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Param('id', sandboxUuidParam()) id: string,
  ): Promise<void> {
    await this.profiles.delete(principal, meta, id);
  }
}
