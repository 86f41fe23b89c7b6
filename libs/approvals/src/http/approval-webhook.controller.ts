import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
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
import { WebhookService } from '../webhooks/webhook.service';
import { CreateWebhookRequestDto } from './dto/create-webhook-request.dto';
import { CreatedWebhookResponseDto } from './dto/created-webhook-response.dto';
import { DeadLetterQueryDto } from './dto/dead-letter-query.dto';
import { WebhookDeliveryResponseDto } from './dto/webhook-delivery-response.dto';
import { WebhookResponseDto } from './dto/webhook-response.dto';

const uuid = () =>
  new ParseUUIDPipe({
    exceptionFactory: () =>
      new DomainError(ErrorCode.BadRequest, 'The id in the path must be a UUID', { field: 'id' }),
  });

/** Signed approval webhooks (admins): subscriptions, the dead-letter list and replay. */
@ApiTags('approvals')
@ApiBearerAuth()
@Controller('v1/approval-webhooks')
export class ApprovalWebhookController {
  constructor(private readonly webhooks: WebhookService) {}

  @Get()
  @RequirePermission('org:write')
  @ApiOperation({ summary: 'List webhook subscriptions (secrets are never shown)' })
  @ApiOkResponse({ type: [WebhookResponseDto] })
  async list(@CurrentPrincipal() principal: Principal): Promise<WebhookResponseDto[]> {
    return (await this.webhooks.list(principal)).map((s) => WebhookResponseDto.from(s));
  }

  @Post()
  @RequirePermission('org:write')
  @ApiOperation({ summary: 'Subscribe a URL to approval notifications; answers the signing secret once' })
  @ApiCreatedResponse({ type: CreatedWebhookResponseDto })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateWebhookRequestDto,
  ): Promise<CreatedWebhookResponseDto> {
    const { subscription, secret } = await this.webhooks.create(
      principal,
      body.url,
      body.format ?? 'mandate',
    );
    return { ...WebhookResponseDto.from(subscription), secret };
  }

  @Get('dead-letters')
  @RequirePermission('org:write')
  @ApiOperation({ summary: 'Deliveries that exhausted their tries (newest first)' })
  @ApiOkResponse({ type: [WebhookDeliveryResponseDto] })
  async deadLetters(
    @CurrentPrincipal() principal: Principal,
    @Query() query: DeadLetterQueryDto,
  ): Promise<WebhookDeliveryResponseDto[]> {
    return (await this.webhooks.deadLetters(principal, query.limit)).map((d) =>
      WebhookDeliveryResponseDto.from(d),
    );
  }

  @Post('dead-letters/:id/replay')
  @HttpCode(200)
  @RequirePermission('org:write')
  @ApiOperation({ summary: 'Queue a dead-lettered delivery again (same Idempotency-Key)' })
  @ApiOkResponse({ type: WebhookDeliveryResponseDto })
  async replay(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
  ): Promise<WebhookDeliveryResponseDto> {
    return WebhookDeliveryResponseDto.from(await this.webhooks.replay(principal, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('org:write')
  @ApiOperation({ summary: 'Remove a webhook subscription' })
  @ApiNoContentResponse()
  async delete(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string): Promise<void> {
    await this.webhooks.delete(principal, id);
  }
}
