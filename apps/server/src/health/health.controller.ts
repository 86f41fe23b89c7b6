import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HealthResponseDto } from './health-response.dto';
import { ReadinessResponseDto } from './readiness-response.dto';
import { ReadinessService } from './readiness.service';
import { Public } from '@mandate/identity';

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /** Liveness: the process is up and serving HTTP. */
  @Get('healthz')
  @ApiOkResponse({ type: HealthResponseDto })
  health(): HealthResponseDto {
    return { status: 'ok' };
  }

  /** Readiness: the database (and Redis, when configured) answer. */
  @Get('readyz')
  @ApiOkResponse({ type: ReadinessResponseDto })
  @ApiServiceUnavailableResponse({ type: ReadinessResponseDto })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.readiness.report();
    const body: ReadinessResponseDto = {
      status: report.ready ? 'ready' : 'unavailable',
      checks: report.checks,
    };
    await reply
      .status(report.ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(body);
  }
}
