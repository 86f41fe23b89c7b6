import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@mandate/common';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { ApprovalLinks } from '../requests/approval-links';
import { ApprovalRequestService } from '../requests/approval-request.service';
import { ApprovalWaiter } from '../requests/approval-waiter';
import { ApprovalListQueryDto } from './dto/approval-list-query.dto';
import { ApprovalPageResponseDto } from './dto/approval-page-response.dto';
import { ApprovalResponseDto } from './dto/approval-response.dto';
import { ApprovalStatusResponseDto } from './dto/approval-status-response.dto';
import { ApprovalWaitQueryDto } from './dto/approval-wait-query.dto';
import { BatchVoteRequestDto } from './dto/batch-vote-request.dto';
import { BatchVoteResponseDto } from './dto/batch-vote-response.dto';
import { VoteRequestDto } from './dto/vote-request.dto';

const uuid = () =>
  new ParseUUIDPipe({
    exceptionFactory: () =>
      new DomainError(ErrorCode.BadRequest, 'The id in the path must be a UUID', { field: 'id' }),
  });

/** The approvals inbox, detail with long-poll, votes (single and batch) and cancellation. */
@ApiTags('approvals')
@ApiBearerAuth()
@Controller('v1/approvals')
export class ApprovalController {
  constructor(
    private readonly requests: ApprovalRequestService,
    private readonly waiter: ApprovalWaiter,
    private readonly links: ApprovalLinks,
  ) {}

  @Get()
  @RequirePermission('approvals:read')
  @ApiOperation({ summary: 'The approvals inbox (newest first; filter by state, tool, agent)' })
  @ApiOkResponse({ type: ApprovalPageResponseDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ApprovalListQueryDto,
  ): Promise<ApprovalPageResponseDto> {
    const page = await this.requests.list(
      principal,
      { state: query.state, tool: query.tool, agent: query.agent },
      query.limit,
      query.cursor,
    );
    return {
      items: page.items.map((r) =>
        ApprovalResponseDto.from(r, this.requests.effectiveState(r), this.links.url(r.id)),
      ),
      nextCursor: page.nextCursor,
    };
  }

  @Post('batch')
  @HttpCode(200)
  @RequirePermission('approvals:decide')
  @ApiOperation({ summary: 'Approve or deny several requests at once (each succeeds or fails alone)' })
  @ApiOkResponse({ type: BatchVoteResponseDto })
  async batch(
    @CurrentPrincipal() principal: Principal,
    @Body() body: BatchVoteRequestDto,
  ): Promise<BatchVoteResponseDto> {
    const results: BatchVoteResponseDto['results'] = [];
    for (const id of [...new Set(body.ids)]) {
      try {
        const r = await this.requests.vote(principal, id, body.vote, body.reason);
        results.push({ id, ok: true, state: r.state, error: null });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        results.push({ id, ok: false, state: null, error: { code: error.code, message: error.message } });
      }
    }
    return { results };
  }

  @Get(':id')
  @RequirePermission('approvals:read')
  @ApiOperation({
    summary: 'One request: the exact call, the policy’s reasons, votes and history; `?wait=N` long-polls',
  })
  @ApiOkResponse({ type: ApprovalResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Query() query: ApprovalWaitQueryDto,
  ): Promise<ApprovalResponseDto> {
    await this.waiter.waitWhilePending(principal.orgId, id, query.wait);
    const detail = await this.requests.detail(principal, id);
    return ApprovalResponseDto.detail(
      detail,
      this.requests.effectiveState(detail.request),
      this.links.url(id),
    );
  }

  @Get(':id/status')
  @RequirePermission('decisions:evaluate')
  @ApiOperation({
    summary: 'Gateway view of a request (state only); `?wait=N` (≤ 60) long-polls until it leaves pending',
  })
  @ApiOkResponse({ type: ApprovalStatusResponseDto })
  async status(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Query() query: ApprovalWaitQueryDto,
  ): Promise<ApprovalStatusResponseDto> {
    const request = await this.waiter.waitWhilePending(principal.orgId, id, query.wait);
    return ApprovalStatusResponseDto.from(request, this.requests.effectiveState(request));
  }

  @Post(':id/approve')
  @HttpCode(200)
  @RequirePermission('approvals:decide')
  @ApiOperation({ summary: 'Approve (counts toward the quorum)' })
  @ApiOkResponse({ type: ApprovalResponseDto })
  async approve(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Body() body: VoteRequestDto,
  ): Promise<ApprovalResponseDto> {
    const r = await this.requests.vote(principal, id, 'approve', body.reason);
    return ApprovalResponseDto.from(r, this.requests.effectiveState(r), this.links.url(id));
  }

  @Post(':id/deny')
  @HttpCode(200)
  @RequirePermission('approvals:decide')
  @ApiOperation({ summary: 'Deny (one deny vetoes the request)' })
  @ApiOkResponse({ type: ApprovalResponseDto })
  async deny(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Body() body: VoteRequestDto,
  ): Promise<ApprovalResponseDto> {
    const r = await this.requests.vote(principal, id, 'deny', body.reason);
    return ApprovalResponseDto.from(r, this.requests.effectiveState(r), this.links.url(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequirePermission('approvals:decide')
  @ApiOperation({ summary: 'Cancel a pending request' })
  @ApiOkResponse({ type: ApprovalResponseDto })
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Body() body: VoteRequestDto,
  ): Promise<ApprovalResponseDto> {
    const r = await this.requests.cancel(principal, id, body.reason);
    return ApprovalResponseDto.from(r, this.requests.effectiveState(r), this.links.url(id));
  }
}
