import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { CurrentRequestMeta } from '../shared/request-meta.decorator';
import type { RequestMeta } from '../shared/request-meta';
import { DraftResponseDto } from './dto/draft-response.dto';
import { SaveDraftRequestDto } from './dto/save-draft-request.dto';
import { PolicyDraftService } from './policy-draft.service';

@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies/draft')
export class PolicyDraftController {
  constructor(private readonly drafts: PolicyDraftService) {}

  @Get()
  @RequirePermission('policies:read')
  @ApiOperation({ summary: "Get the organisation's policy draft (empty when none was saved)" })
  @ApiOkResponse({ type: DraftResponseDto })
  async get(@CurrentPrincipal() principal: Principal): Promise<DraftResponseDto> {
    return DraftResponseDto.from(await this.drafts.get(principal));
  }

  @Put()
  @RequirePermission('policies:write')
  @ApiOperation({
    summary: 'Save the draft (all files) and compile it',
    description:
      'Always saves (200). `valid: false` with `errors` [{file,row,col,code,message}] when it does not compile.',
  })
  @ApiOkResponse({ type: DraftResponseDto })
  async save(
    @CurrentPrincipal() principal: Principal,
    @CurrentRequestMeta() meta: RequestMeta,
    @Body() body: SaveDraftRequestDto,
  ): Promise<DraftResponseDto> {
    return DraftResponseDto.from(await this.drafts.save(principal, body.files, meta));
  }
}
