import { ApiProperty } from '@nestjs/swagger';
import type { WebhookSubscriptionEntity } from '../../webhooks/webhook-subscription.entity';

/** A subscription; the signing secret is never shown again after creation. */
export class WebhookResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: ['mandate', 'slack'] }) format!: 'mandate' | 'slack';
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(s: WebhookSubscriptionEntity): WebhookResponseDto {
    return {
      id: s.id,
      url: s.url,
      format: s.format,
      enabled: s.enabled,
      createdAt: s.createdAt.toISOString(),
    };
  }
}
