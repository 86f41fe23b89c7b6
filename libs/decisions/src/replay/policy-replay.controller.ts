import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { PolicyReplayService, REPLAY_LIMITS } from './policy-replay.service';
import { ReplayRequestDto } from './replay-request.dto';
import { ReplayResponseDto } from './replay-response.dto';

/**
 * Impact replay of a draft or version against recorded decisions. `policies:write`: it is the author's
 * check before a change, and it costs seconds of CPU per call, so read-only credentials cannot start it.
 */
@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies/:id/replay')
export class PolicyReplayController {
  constructor(private readonly replays: PolicyReplayService) {}

  @Post()
  @HttpCode(200)
  @RequirePermission('policies:write')
  @ApiOperation({
    summary: 'Replay a draft or version against recorded decisions: what would change, by agent and tool',
    description: `Evaluates the policy on the recorded inputs of the most recent decisions in [since, until) (default the last ${REPLAY_LIMITS.defaultWindowDays} days; at most \`limit\` ≤ ${REPLAY_LIMITS.maxLimit}, default ${REPLAY_LIMITS.defaultLimit}) and compares with the recorded decisions.`,
  })
  @ApiParam({ name: 'id', description: '`draft` (the current draft) or a version id' })
  @ApiOkResponse({ type: ReplayResponseDto })
  async replay(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: ReplayRequestDto,
  ): Promise<ReplayResponseDto> {
    return ReplayResponseDto.from(await this.replays.replay(principal, id, body));
  }
}
