import { ApiProperty } from '@nestjs/swagger';
import { AuditKeyResponseDto } from './audit-key-response.dto';

export class AuditKeySetResponseDto {
  @ApiProperty({ type: [AuditKeyResponseDto] }) keys!: AuditKeyResponseDto[];
}
