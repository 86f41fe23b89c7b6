import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CursorQueryDto, DomainError, ErrorCode } from '@mandate/common';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { SandboxProfileService } from '../store/sandbox-profile.service';
import { QuarantineListResponseDto, QuarantineResponseDto } from './dto/quarantine-response.dto';
import { ReleaseQuarantineRequestDto } from './dto/release-quarantine-request.dto';
import { ReportViolationRequestDto, ViolationReportResponseDto } from './dto/report-violation-request.dto';
import { CurrentRequestMeta, type RequestMeta } from './request-meta';

@ApiTags('sandbox')
@ApiBearerAuth()
@Controller('v1/sandbox')
export class SandboxViolationController {
  constructor(private readonly profiles: SandboxProfileService) {}

  @Post('violations')
  @RequirePermission('decisions:evaluate')
  @ApiOperation({
    summary: 'For gateways: report a sandbox violation (audited, counted; may quarantine the server)',
  })
  @ApiCreatedResponse({ type: ViolationReportResponseDto })
  async report(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: ReportViolationRequestDto,
  ): Promise<ViolationReportResponseDto> {
    return this.profiles.reportViolation(principal, meta, body);
  }

  @Get('quarantines')
  @RequirePermission('catalog:read')
  @ApiOperation({ summary: 'Servers quarantined after a sandbox violation (oldest first)' })
  @ApiOkResponse({ type: QuarantineListResponseDto })
  async quarantines(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<QuarantineListResponseDto> {
    if (query.cursor !== undefined) {
      throw new DomainError(ErrorCode.BadRequest, 'This list is not paginated; use limit only', {
        field: 'cursor',
      });
    }
    const rows = await this.profiles.listQuarantines(principal, query.limit);
    return { items: rows.map((q) => QuarantineResponseDto.from(q)) };
  }

  @Post('quarantines/release')
  @RequirePermission('catalog:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Release a quarantined server (audited)' })
  @ApiNoContentResponse()
  async release(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: ReleaseQuarantineRequestDto,
  ): Promise<void> {
    await this.profiles.releaseQuarantine(principal, meta, body.server);
  }
}
