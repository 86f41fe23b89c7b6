import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
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
import { ActivateRequestDto } from './dto/activate-request.dto';
import { ActivationPageResponseDto } from './dto/activation-page-response.dto';
import { ActivationRecordResponseDto } from './dto/activation-record-response.dto';
import { ActivationResponseDto } from './dto/activation-response.dto';
import { ActivePolicyResponseDto } from './dto/active-policy-response.dto';
import { RollbackRequestDto } from './dto/rollback-request.dto';
import { PolicyActivationService } from './policy-activation.service';

@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies')
export class PolicyActivationController {
  constructor(private readonly activations: PolicyActivationService) {}

  @Post('versions/:id/activate')
  @HttpCode(200)
  @RequirePermission('policies:activate')
  @ApiOperation({
    summary: "Run the version's test_ rules, then make it the active policy",
    description:
      'Failing tests answer 409 with `details.failedTests`, unless `force: true` with a `reason` (recorded).',
  })
  @ApiOkResponse({ type: ActivationResponseDto })
  @ApiConflictResponse({
    type: PolicyErrorResponseDto,
    description: 'Tests fail, or the version is already active.',
  })
  @ApiNotFoundResponse({ type: PolicyErrorResponseDto })
  async activate(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Param('id', policyUuidParam()) id: string,
    @Body() body: ActivateRequestDto,
  ): Promise<ActivationResponseDto> {
    return ActivationResponseDto.from(await this.activations.activate(principal, id, body, meta));
  }

  @Post('rollback')
  @HttpCode(200)
  @RequirePermission('policies:activate')
  @ApiOperation({ summary: 'Make a previously active version active again (new revision)' })
  @ApiOkResponse({ type: ActivationResponseDto })
  @ApiConflictResponse({
    type: PolicyErrorResponseDto,
    description: 'Never active before, or already active.',
  })
  @ApiNotFoundResponse({ type: PolicyErrorResponseDto })
  async rollback(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: RollbackRequestDto,
  ): Promise<ActivationResponseDto> {
    return ActivationResponseDto.from(
      await this.activations.rollback(principal, body.versionId, body.reason, meta),
    );
  }

  @Get('active')
  @RequirePermission('policies:read')
  @ApiOperation({
    summary: 'The active policy version and revision (revision 0: the baseline policy applies)',
  })
  @ApiOkResponse({ type: ActivePolicyResponseDto })
  async active(@CurrentPrincipal() principal: Principal): Promise<ActivePolicyResponseDto> {
    return ActivePolicyResponseDto.from(await this.activations.active(principal));
  }

  @Get('activations')
  @RequirePermission('policies:read')
  @ApiOperation({ summary: 'Activation and rollback history (cursor-paginated, oldest revision first)' })
  @ApiOkResponse({ type: ActivationPageResponseDto })
  async history(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<ActivationPageResponseDto> {
    const page = await this.activations.history(principal, query.limit, query.cursor);
    return {
      items: page.items.map((row) => ActivationRecordResponseDto.from(row)),
      nextCursor: page.nextCursor,
    };
  }
}
