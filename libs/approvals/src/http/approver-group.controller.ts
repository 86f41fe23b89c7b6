import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@mandate/common';
import { CurrentPrincipal, RequirePermission, type Principal } from '@mandate/identity';
import { ApproverGroupService } from '../groups/approver-group.service';
import { ApproverGroupResponseDto } from './dto/approver-group-response.dto';
import { CreateApproverGroupRequestDto } from './dto/create-approver-group-request.dto';
import { SetGroupMembersRequestDto } from './dto/set-group-members-request.dto';

const uuid = () =>
  new ParseUUIDPipe({
    exceptionFactory: () =>
      new DomainError(ErrorCode.BadRequest, 'The id in the path must be a UUID', { field: 'id' }),
  });

/** Approver groups (named in `require_approval.groups`) and their members. */
@ApiTags('approvals')
@ApiBearerAuth()
@Controller('v1/approver-groups')
export class ApproverGroupController {
  constructor(private readonly groups: ApproverGroupService) {}

  @Get()
  @RequirePermission('approvals:read')
  @ApiOperation({ summary: 'List approver groups with their members' })
  @ApiOkResponse({ type: [ApproverGroupResponseDto] })
  async list(@CurrentPrincipal() principal: Principal): Promise<ApproverGroupResponseDto[]> {
    return (await this.groups.list(principal)).map((g) => ApproverGroupResponseDto.from(g));
  }

  @Post()
  @RequirePermission('org:write')
  @ApiOperation({ summary: 'Create an approver group' })
  @ApiCreatedResponse({ type: ApproverGroupResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateApproverGroupRequestDto,
  ): Promise<ApproverGroupResponseDto> {
    return ApproverGroupResponseDto.from(
      await this.groups.create(principal, body.name, body.description ?? null, body.memberIds ?? []),
    );
  }

  @Put(':id/members')
  @RequirePermission('org:write')
  @ApiOperation({ summary: 'Replace the members of an approver group' })
  @ApiOkResponse({ type: ApproverGroupResponseDto })
  async setMembers(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Body() body: SetGroupMembersRequestDto,
  ): Promise<ApproverGroupResponseDto> {
    return ApproverGroupResponseDto.from(await this.groups.setMembers(principal, id, body.memberIds));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('org:write')
  @ApiOperation({ summary: 'Delete an approver group' })
  @ApiNoContentResponse()
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string): Promise<void> {
    await this.groups.delete(principal, id);
  }
}
