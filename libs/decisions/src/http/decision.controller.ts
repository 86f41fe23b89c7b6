import { Body, Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import type { FastifyRequest } from 'fastify';
import type { DecisionCaller, DecisionRequest } from '../evaluation/decision-input';
import { DecisionService } from '../evaluation/decision.service';
import { DecisionBatchRequestDto } from './decision-batch-request.dto';
import { DecisionBatchResponseDto } from './decision-batch-response.dto';
import { DecisionResponseDto } from './decision-response.dto';

export const CONSISTENCY_HEADER = 'x-mandate-consistency';

/**
 * The native decision API for gateways (API keys with the `decisions:evaluate` scope). `POST /v1/decisions`
 * itself is served outside Nest's router (see decisionRoute); this controller serves the batch.
 */
@ApiTags('decisions')
@ApiBearerAuth()
@Controller('v1/decisions')
export class DecisionController {
  constructor(private readonly decisions: DecisionService) {}

  @Post('batch')
  @HttpCode(200)
  @RequirePermission('decisions:evaluate')
  @ApiOperation({ summary: 'Decide on up to 100 calls; each item is its own decision' })
  @ApiOkResponse({ type: DecisionBatchResponseDto })
  async decideBatch(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Body() body: DecisionBatchRequestDto,
    @Headers(CONSISTENCY_HEADER) consistency?: string,
  ): Promise<DecisionBatchResponseDto> {
    const caller = callerOf(principal, request);
    const results = await Promise.all(
      body.items.map((item) => this.decisions.decide(caller, withConsistencyToken(item, consistency))),
    );
    return { items: results.map((r) => DecisionResponseDto.from(r)) };
  }
}

export function callerOf(principal: Principal, request: FastifyRequest): DecisionCaller {
  return {
    orgId: principal.orgId,
    apiKeyId: principal.apiKeyId,
    ip: request.ip,
    requestId: String(request.id),
    trace: traceContextOf(request.headers.traceparent),
  };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The W3C `traceparent` header (version 00), or null when absent or malformed (all-zero ids are invalid). */
export function traceContextOf(
  header: string | string[] | undefined,
): { traceId: string; parentSpanId: string } | null {
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return null;
  return { traceId: match[1], parentSpanId: match[2] };
}

/** The body's token wins over the header's. */
export function withConsistencyToken(body: DecisionRequest, header: string | undefined): DecisionRequest {
  const token =
    body.consistencyToken ?? (typeof header === 'string' && header.length > 0 ? header : undefined);
  return { ...body, consistencyToken: token };
}
