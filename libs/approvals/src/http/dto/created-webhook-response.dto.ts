import { ApiProperty } from '@nestjs/swagger';
import { WebhookResponseDto } from './webhook-response.dto';

export class CreatedWebhookResponseDto extends WebhookResponseDto {
  @ApiProperty({ description: 'HMAC-SHA256 signing secret. Shown once: store it now.' })
  secret!: string;
}
