import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The error body of every 4xx/5xx answer (documentation only; the server's global filter builds it). */
export class ErrorResponseDto {
  @ApiProperty({ example: 'forbidden', description: 'Stable machine-readable code.' })
  code!: string;

  @ApiProperty({ example: 'Missing permission members:write' })
  message!: string;

  @ApiProperty({ example: '6f1c1a53-6f0e-4a55-9a5e-2f0c2f1a9f10' })
  requestId!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}
