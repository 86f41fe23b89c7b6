import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
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
import { ApiKeyService } from './api-key.service';
import { ApiKeyPageResponseDto } from './dto/api-key-page-response.dto';
import { ApiKeyResponseDto } from './dto/api-key-response.dto';
import { CreateApiKeyRequestDto } from './dto/create-api-key-request.dto';
import { CreatedApiKeyResponseDto } from './dto/created-api-key-response.dto';

@ApiTags('api-keys')
@ApiAdminEndpoint()
@Controller('v1/api-keys')
export class ApiKeyController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Get()
  @RequirePermission('api_keys:read')
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiOkResponse({ type: ApiKeyPageResponseDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<ApiKeyPageResponseDto> {
    const page = await this.apiKeys.list(principal, query.limit, query.cursor);
    return { items: page.items.map((key) => ApiKeyResponseDto.from(key)), nextCursor: page.nextCursor };
  }

  @Post()
  @RequirePermission('api_keys:write')
  @ApiOperation({ summary: 'Create an API key; the response is the only time the full key is shown' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApiKeyRequestDto,
  ): Promise<CreatedApiKeyResponseDto> {
    const { entity, key } = await this.apiKeys.create(principal, {
      name: body.name,
      scopes: body.scopes,
      role: body.role,
      expiresAt: body.expiresAt !== undefined ? new Date(body.expiresAt) : undefined,
    });
    return CreatedApiKeyResponseDto.withSecret(entity, key);
  }

  @Get(':id')
  @RequirePermission('api_keys:read')
  @ApiOperation({ summary: 'Get an API key (never its secret)' })
  @ApiOkResponse({ type: ApiKeyResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
  ): Promise<ApiKeyResponseDto> {
    return ApiKeyResponseDto.from(await this.apiKeys.get(principal, id));
  }

  @Post(':id/revoke')
  @RequirePermission('api_keys:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key with immediate effect (idempotent)' })
  @ApiOkResponse({ type: ApiKeyResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
  ): Promise<ApiKeyResponseDto> {
    return ApiKeyResponseDto.from(await this.apiKeys.revoke(principal, id));
  }
}
