import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUrl, MaxLength } from 'class-validator';

export class CreateWebhookRequestDto {
  @ApiProperty({ description: 'http(s) URL receiving POSTed notifications.', maxLength: 2000 })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({
    enum: ['mandate', 'slack'],
    default: 'mandate',
    description: 'slack: Slack incoming-webhook payload.',
  })
  @IsOptional()
  @IsIn(['mandate', 'slack'])
  format?: 'mandate' | 'slack';
}
