import { ApiProperty } from '@nestjs/swagger';

export class ReadinessResponseDto {
  @ApiProperty({ enum: ['ready', 'unavailable'] })
  status!: 'ready' | 'unavailable';

  @ApiProperty({
    example: { database: 'up', redis: 'up' },
    additionalProperties: { type: 'string', enum: ['up', 'down'] },
  })
  checks!: Record<string, 'up' | 'down'>;
}
