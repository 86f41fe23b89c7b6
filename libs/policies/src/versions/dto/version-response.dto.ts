import { ApiProperty } from '@nestjs/swagger';
import type { PolicyVersionEntity } from '../../store/policy-version.entity';
import { VersionSummaryResponseDto } from './version-summary-response.dto';

export class VersionResponseDto extends VersionSummaryResponseDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Rego sources by file name.',
  })
  files!: Record<string, string>;

  static override from(version: PolicyVersionEntity): VersionResponseDto {
    const dto = new VersionResponseDto();
    VersionSummaryResponseDto.fill(dto, version);
    dto.files = { ...version.files };
    return dto;
  }
}
