import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AuditEventResponseDto } from './audit-event-response.dto';

export class AuditEventPageResponseDto {
  @ApiProperty({ type: [AuditEventResponseDto] }) items!: AuditEventResponseDto[];
  @ApiPropertyOptional({ nullable: true }) nextCursor!: string | null;
}
