import { Body, Controller, Headers, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@mandate/common';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { POLICY_LIMITS } from '../compile/policy-limits';
import { CurrentRequestMeta } from '../shared/request-meta.decorator';
import type { RequestMeta } from '../shared/request-meta';
import { VersionSummaryResponseDto } from '../versions/dto/version-summary-response.dto';
import { UploadBundleQueryDto } from './dto/upload-bundle-query.dto';
import { BUNDLE_MEDIA_TYPES } from './gzip-body.parser';
import { PolicyBundleService } from './policy-bundle.service';

@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies/bundles')
export class PolicyBundleController {
  constructor(private readonly bundles: PolicyBundleService) {}

  @Post()
  @RequirePermission('policies:write')
  @ApiOperation({
    summary: 'Upload a prebuilt OPA bundle (opa build -t wasm) as a new version',
    description: `Body: the .tar.gz (application/gzip), at most ${POLICY_LIMITS.maxBundleBytes} bytes.`,
  })
  @ApiConsumes(...BUNDLE_MEDIA_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiCreatedResponse({ type: VersionSummaryResponseDto })
  async upload(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Headers('content-type') contentType: string | undefined,
    @Query() query: UploadBundleQueryDto,
    @Body() body: unknown,
  ): Promise<VersionSummaryResponseDto> {
    const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (!(BUNDLE_MEDIA_TYPES as readonly string[]).includes(type)) {
      throw new DomainError(ErrorCode.UnsupportedMediaType, 'Send the bundle as application/gzip');
    }
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw new DomainError(ErrorCode.ValidationFailed, 'The request body must be the bundle (.tar.gz)', {
        field: 'bundle',
      });
    }
    return VersionSummaryResponseDto.from(
      await this.bundles.upload(principal, body, query.message ?? null, meta),
    );
  }
}
