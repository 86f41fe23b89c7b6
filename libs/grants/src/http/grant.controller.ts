import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { CurrentRequestMeta, type RequestMeta } from '../shared/request-meta';
import { grantUuidParam } from '../shared/uuid-param';
import { GrantDelegationService } from '../service/grant-delegation.service';
import { GrantService } from '../service/grant.service';
import { CreateGrantRequestDto } from './dto/create-grant-request.dto';
import { DelegateGrantRequestDto } from './dto/delegate-grant-request.dto';
import {
  DelegatedGrantResponseDto,
  GrantDetailResponseDto,
  GrantPageResponseDto,
  GrantResponseDto,
  GrantTokenResponseDto,
  RotatedKeyResponseDto,
} from './dto/grant-response.dto';
import { ListGrantsQueryDto } from './dto/list-grants-query.dto';
import { RevokeGrantRequestDto } from './dto/revoke-grant-request.dto';

@ApiTags('grants')
@ApiBearerAuth()
@Controller('v1/grants')
export class GrantController {
  constructor(
    private readonly grants: GrantService,
    private readonly delegation: GrantDelegationService,
  ) {}

  @Post()
  @RequirePermission('grants:write')
  @ApiOperation({ summary: 'Issue a grant to an agent (or to every agent matching a label selector)' })
  @ApiCreatedResponse({ type: GrantResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: CreateGrantRequestDto,
  ): Promise<GrantResponseDto> {
    return GrantResponseDto.from(await this.grants.create(principal, body, meta));
  }

  @Get()
  @RequirePermission('grants:read')
  @ApiOperation({ summary: 'List grants (cursor-paginated, oldest first)' })
  @ApiOkResponse({ type: GrantPageResponseDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListGrantsQueryDto,
  ): Promise<GrantPageResponseDto> {
    const page = await this.grants.list(principal, query);
    const now = new Date();
    return { items: page.items.map((g) => GrantResponseDto.from(g, now)), nextCursor: page.nextCursor };
  }

  @Post('delegate')
  @RequirePermission('decisions:evaluate')
  @ApiOperation({
    summary: 'Derive a narrower sub-grant for another agent from a presented grant token (gateways)',
    description:
      'Omitted fields are inherited. A field that is not provably narrower answers 400 with ' +
      '`details.reason: grant_widening` and `details.field` naming it.',
  })
  @ApiCreatedResponse({ type: DelegatedGrantResponseDto })
  @ApiConflictResponse({ description: 'The parent grant is revoked or expired.' })
  async delegate(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: DelegateGrantRequestDto,
  ): Promise<DelegatedGrantResponseDto> {
    const { grant, token } = await this.delegation.delegate(principal, body, meta);
    return {
      grant: GrantResponseDto.from(grant),
      token: { token: token.token, expiresAt: token.expiresAt.toISOString(), kid: token.kid },
    };
  }

  @Post('keys/rotate')
  @HttpCode(200)
  @RequirePermission('grants:write')
  @ApiOperation({ summary: 'Rotate the organisation’s grant-token signing key (old keys keep verifying)' })
  @ApiOkResponse({ type: RotatedKeyResponseDto })
  async rotate(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<RotatedKeyResponseDto> {
    return this.grants.rotateKey(principal, meta);
  }

  @Get(':id')
  @RequirePermission('grants:read')
  @ApiOperation({ summary: 'Inspect a grant: uses, remaining budget, sub-grants, decisions made with it' })
  @ApiOkResponse({ type: GrantDetailResponseDto })
  @ApiNotFoundResponse()
  async inspect(
    @CurrentPrincipal() principal: Principal,
    @Param('id', grantUuidParam()) id: string,
  ): Promise<GrantDetailResponseDto> {
    const detail = await this.grants.inspect(principal, id);
    const dto = Object.assign(new GrantDetailResponseDto(), GrantResponseDto.from(detail.grant));
    dto.budgetSpent = detail.budgetSpent;
    dto.budgetRemaining =
      detail.budgetSpent === null || dto.budget === null
        ? null
        : Math.max(0, dto.budget.limit - detail.budgetSpent);
    dto.children = detail.children;
    dto.decisions = detail.uses.map((u) => ({
      decisionId: u.decisionId,
      consumedAt: u.consumedAt.toISOString(),
      amount: u.amount,
    }));
    return dto;
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @RequirePermission('grants:write')
  @ApiOperation({
    summary: 'Revoke a grant and every sub-grant delegated from it',
    description: 'Effective on every replica before this call returns: consumption re-checks revocation.',
  })
  @ApiOkResponse({ type: GrantResponseDto })
  @ApiConflictResponse({ description: 'Already revoked.' })
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Param('id', grantUuidParam()) id: string,
    @Body() body: RevokeGrantRequestDto,
  ): Promise<GrantResponseDto> {
    return GrantResponseDto.from(await this.grants.revoke(principal, id, body.reason, meta));
  }

  @Post(':id/token')
  @RequirePermission('grants:write')
  @ApiOperation({ summary: 'Issue a signed token (JWT, EdDSA) for a live grant; shown once' })
  @ApiCreatedResponse({ type: GrantTokenResponseDto })
  @ApiConflictResponse({ description: 'The grant is revoked or expired, or no master key is configured.' })
  async token(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Param('id', grantUuidParam()) id: string,
  ): Promise<GrantTokenResponseDto> {
    const issued = await this.grants.issueToken(principal, id, meta);
    return { token: issued.token, expiresAt: issued.expiresAt.toISOString(), kid: issued.kid };
  }
}
