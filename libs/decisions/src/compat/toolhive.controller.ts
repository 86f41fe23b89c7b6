import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@mandate/common';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import type { FastifyRequest } from 'fastify';
import { DecisionService } from '../evaluation/decision.service';
import { callerOf } from '../http/decision.controller';
import { toolhiveToDecisionRequest, toToolhiveDecision, type ToolhiveDecision } from './toolhive-mapping';
import { ToolhiveDecisionRequestDto } from './toolhive-request.dto';

const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Compatibility with ToolHive's HTTP PDP authorizer (`httpv1`): configure its `pdp.http.url` as
 * `<mandate>/v1/compat/toolhive/agents/<agent>`; ToolHive posts PORC documents to `<url>/decision` and reads
 * `{allow}`. Same pipeline, permission and recording as `POST /v1/decisions`.
 */
@ApiTags('decisions')
@ApiBearerAuth()
@Controller('v1/compat/toolhive/agents')
export class ToolhiveController {
  constructor(private readonly decisions: DecisionService) {}

  @Post(':id/decision')
  @HttpCode(200)
  @RequirePermission('decisions:evaluate')
  @ApiOperation({ summary: 'ToolHive httpv1 PDP decision (PORC → {allow}) for the agent in the path' })
  @ApiOkResponse({ description: '{allow: boolean, decision, decisionId, reasons}' })
  async decide(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Param('id') agent: string,
    @Body() body: ToolhiveDecisionRequestDto,
  ): Promise<ToolhiveDecision> {
    if (!AGENT_NAME.test(agent)) {
      throw new DomainError(ErrorCode.ValidationFailed, 'the agent name in the path is malformed', {
        field: 'agent',
      });
    }
    const result = await this.decisions.decide(
      callerOf(principal, request),
      toolhiveToDecisionRequest(agent, body),
    );
    return toToolhiveDecision(result);
  }
}
