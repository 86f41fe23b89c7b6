import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission } from '../access/access.decorators';
import type { Principal } from '../access/principal';
import { ApiAdminEndpoint } from '../shared/api-errors.decorator';
import { OrganisationResponseDto } from './dto/organisation-response.dto';
import { UpdateOrganisationRequestDto } from './dto/update-organisation-request.dto';
import { OrganisationService } from './organisation.service';

@ApiTags('organisation')
@ApiAdminEndpoint()
@Controller('v1/org')
export class OrganisationController {
  constructor(private readonly organisations: OrganisationService) {}

  @Get()
  @RequirePermission('org:read')
  @ApiOperation({ summary: "The caller's organisation" })
  @ApiOkResponse({ type: OrganisationResponseDto })
  async get(@CurrentPrincipal() principal: Principal): Promise<OrganisationResponseDto> {
    return OrganisationResponseDto.from(await this.organisations.get(principal));
  }

  @Patch()
  @RequirePermission('org:write')
  @ApiOperation({ summary: "Rename the caller's organisation or change its slug" })
  @ApiOkResponse({ type: OrganisationResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UpdateOrganisationRequestDto,
  ): Promise<OrganisationResponseDto> {
    return OrganisationResponseDto.from(await this.organisations.update(principal, body));
  }
}
