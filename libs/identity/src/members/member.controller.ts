import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CursorQueryDto } from '@mandate/common';
import { CurrentPrincipal, RequirePermission } from '../access/access.decorators';
import type { Principal } from '../access/principal';
import { ApiAdminEndpoint } from '../shared/api-errors.decorator';
import { ErrorResponseDto } from '../shared/error-response.dto';
import { uuidParam } from '../shared/uuid-param';
import { ChangePasswordRequestDto } from './dto/change-password-request.dto';
import { CreateMemberRequestDto } from './dto/create-member-request.dto';
import { MemberPageResponseDto } from './dto/member-page-response.dto';
import { MemberResponseDto } from './dto/member-response.dto';
import { UpdateMemberRequestDto } from './dto/update-member-request.dto';
import { MemberService } from './member.service';

@ApiTags('members')
@ApiAdminEndpoint()
@Controller('v1/members')
export class MemberController {
  constructor(private readonly members: MemberService) {}

  @Get()
  @RequirePermission('members:read')
  @ApiOperation({ summary: 'List members (cursor-paginated, oldest first)' })
  @ApiOkResponse({ type: MemberPageResponseDto })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: CursorQueryDto,
  ): Promise<MemberPageResponseDto> {
    const page = await this.members.list(principal, query.limit, query.cursor);
    return { items: page.items.map((member) => MemberResponseDto.from(member)), nextCursor: page.nextCursor };
  }

  @Post()
  @RequirePermission('members:write')
  @ApiOperation({ summary: 'Add a member; you can only grant roles whose permissions you hold' })
  @ApiCreatedResponse({ type: MemberResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The email is already a member.' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateMemberRequestDto,
  ): Promise<MemberResponseDto> {
    return MemberResponseDto.from(await this.members.create(principal, body));
  }

  @Post('me/password')
  @RequirePermission('account:self')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change your own password (members only)' })
  @ApiNoContentResponse()
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChangePasswordRequestDto,
  ): Promise<void> {
    await this.members.changeOwnPassword(principal, body.currentPassword, body.newPassword);
  }

  @Get(':id')
  @RequirePermission('members:read')
  @ApiOperation({ summary: 'Get a member' })
  @ApiOkResponse({ type: MemberResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
  ): Promise<MemberResponseDto> {
    return MemberResponseDto.from(await this.members.get(principal, id));
  }

  @Patch(':id')
  @RequirePermission('members:write')
  @ApiOperation({ summary: 'Change a member (email, name, roles, disabled); the last owner stays an owner' })
  @ApiOkResponse({ type: MemberResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Last owner, or the email is taken.' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
    @Body() body: UpdateMemberRequestDto,
  ): Promise<MemberResponseDto> {
    return MemberResponseDto.from(await this.members.update(principal, id, body));
  }

  @Delete(':id')
  @RequirePermission('members:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member; the last owner cannot be removed' })
  @ApiNoContentResponse()
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'Last owner, or the member still owns agents.',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async delete(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam()) id: string,
  ): Promise<void> {
    await this.members.delete(principal, id);
  }
}
