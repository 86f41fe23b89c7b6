import { Body, Controller, Get, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Public, RequirePermission, type Principal } from '@mandate/identity';
import type { FastifyRequest } from 'fastify';
import type { DecisionRequest } from '../evaluation/decision-input';
import { DecisionService } from '../evaluation/decision.service';
import { callerOf, CONSISTENCY_HEADER } from '../http/decision.controller';
import { toAuthzenDecision, toDecisionRequest, type AuthzenDecision } from './authzen-mapping';
import {
  AuthzenEvaluationItemDto,
  AuthzenEvaluationsRequestDto,
  type AuthzenOptionsDto,
} from './authzen-request.dto';

/**
 * OpenID AuthZEN Authorization API 1.0 (access evaluation) over the same pipeline as `/v1/decisions`:
 * every evaluation is a recorded Mandate decision; `decision` is true only for allow.
 */
@ApiTags('authzen')
@Controller()
export class AuthzenController {
  constructor(private readonly decisions: DecisionService) {}

  @Get('.well-known/authzen-configuration')
  @Public()
  @ApiOperation({ summary: 'AuthZEN PDP metadata' })
  configuration(@Req() request: FastifyRequest): Record<string, string> {
    const base = `${request.protocol}://${request.host}`;
    return {
      policy_decision_point: base,
      access_evaluation_endpoint: `${base}/access/v1/evaluation`,
      access_evaluations_endpoint: `${base}/access/v1/evaluations`,
    };
  }

  @Post('access/v1/evaluation')
  @HttpCode(200)
  @RequirePermission('decisions:evaluate')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'AuthZEN access evaluation (subject = agent, resource = mcp_tool <server>/<tool>)',
  })
  @ApiOkResponse({ description: '{decision: boolean, context: {decisionId, decision, reasons, …}}' })
  async evaluate(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Body() body: AuthzenEvaluationItemDto,
    @Headers(CONSISTENCY_HEADER) consistency?: string,
  ): Promise<AuthzenDecision> {
    const mapped = toDecisionRequest(body, nonEmpty(consistency));
    return toAuthzenDecision(await this.decisions.decide(callerOf(principal, request), mapped));
  }

  @Post('access/v1/evaluations')
  @HttpCode(200)
  @RequirePermission('decisions:evaluate')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'AuthZEN access evaluations (top-level members are defaults for each item)' })
  @ApiOkResponse({ description: '{evaluations: [{decision, context}]} (or one decision without items)' })
  async evaluateMany(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Body() body: AuthzenEvaluationsRequestDto,
    @Headers(CONSISTENCY_HEADER) consistency?: string,
  ): Promise<AuthzenDecision | { evaluations: AuthzenDecision[] }> {
    const caller = callerOf(principal, request);
    const header = nonEmpty(consistency);
    if (!body.evaluations || body.evaluations.length === 0) {
      return toAuthzenDecision(await this.decisions.decide(caller, toDecisionRequest(body, header)));
    }
    // Map every item first: a malformed item refuses the whole request before anything is decided.
    const requests = body.evaluations.map((item) => toDecisionRequest(withDefaults(body, item), header));
    return { evaluations: await this.run(caller, requests, body.options) };
  }

  private async run(
    caller: ReturnType<typeof callerOf>,
    requests: DecisionRequest[],
    options: AuthzenOptionsDto | undefined,
  ): Promise<AuthzenDecision[]> {
    const semantic = options?.evaluations_semantic ?? 'execute_all';
    if (semantic === 'execute_all') {
      const results = await Promise.all(requests.map((r) => this.decisions.decide(caller, r)));
      return results.map((r) => toAuthzenDecision(r));
    }
    const out: AuthzenDecision[] = [];
    for (const r of requests) {
      const answer = toAuthzenDecision(await this.decisions.decide(caller, r));
      out.push(answer);
      if (semantic === 'deny_on_first_deny' && !answer.decision) break;
      if (semantic === 'permit_on_first_permit' && answer.decision) break;
    }
    return out;
  }
}

function withDefaults(
  defaults: AuthzenEvaluationItemDto,
  item: AuthzenEvaluationItemDto,
): AuthzenEvaluationItemDto {
  return {
    subject: item.subject ?? defaults.subject,
    action: item.action ?? defaults.action,
    resource: item.resource ?? defaults.resource,
    context: item.context ?? defaults.context,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
