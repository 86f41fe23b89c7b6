import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The error body of 4xx/5xx answers (documentation only; the server's global filter builds it). */
export class PolicyErrorResponseDto {
  @ApiProperty({ example: 'conflict' })
  code!: string;

  @ApiProperty()
  message!: string;

  @ApiProperty()
  requestId!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}
