import { ApiProperty } from '@nestjs/swagger';
import type { WebhookDeliveryEntity } from '../../webhooks/webhook-delivery.entity';

export class WebhookDeliveryResponseDto {
  @ApiProperty({ format: 'uuid', description: 'Also the Idempotency-Key of every try.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) subscriptionId!: string;
  @ApiProperty({ format: 'uuid' }) approvalId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'dead'] }) state!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: Number, nullable: true }) lastStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: string | null;

  static from(d: WebhookDeliveryEntity): WebhookDeliveryResponseDto {
    return {
      id: d.id,
      subscriptionId: d.subscriptionId,
      approvalId: d.requestId,
      eventType: d.eventType,
      state: d.state,
      attempts: d.attempts,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      createdAt: d.createdAt.toISOString(),
      finishedAt: d.finishedAt?.toISOString() ?? null,
    };
  }
}
