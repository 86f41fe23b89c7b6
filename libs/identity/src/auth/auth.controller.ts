import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentPrincipal, Public, RequirePermission } from '../access/access.decorators';
import type { Principal } from '../access/principal';
import { ApiAdminEndpoint } from '../shared/api-errors.decorator';
import { ErrorResponseDto } from '../shared/error-response.dto';
import { AuthService } from './auth.service';
import { LoginRequestDto } from './dto/login-request.dto';
import { LoginResponseDto } from './dto/login-response.dto';
import { MeResponseDto } from './dto/me-response.dto';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for a short-lived access token' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'Wrong email, password or organisation, or a disabled member.',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorResponseDto,
    description: 'Too many failed attempts for this email from this address.',
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed body.' })
  async login(
    @Body() body: LoginRequestDto,
    @Req() request: { ip?: string; id?: unknown },
  ): Promise<LoginResponseDto> {
    const result = await this.auth.login({
      orgSlug: body.orgSlug,
      email: body.email,
      password: body.password,
      ip: request.ip ?? 'unknown',
      requestId: typeof request.id === 'string' ? request.id : undefined,
    });
    const dto = new LoginResponseDto();
    dto.accessToken = result.token;
    dto.tokenType = 'Bearer';
    dto.expiresAt = result.expiresAt.toISOString();
    dto.expiresIn = Math.max(0, Math.round((result.expiresAt.getTime() - Date.now()) / 1000));
    return dto;
  }

  @Get('me')
  @RequirePermission('account:self')
  @ApiAdminEndpoint()
  @ApiOperation({ summary: 'Who am I: the caller, its organisation, roles and permissions' })
  @ApiOkResponse({ type: MeResponseDto })
  me(@CurrentPrincipal() principal: Principal): MeResponseDto {
    return MeResponseDto.from(principal);
  }
}
