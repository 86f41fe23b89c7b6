import { ApiProperty } from '@nestjs/swagger';
import { VersionSummaryResponseDto } from '../../versions/dto/version-summary-response.dto';
import type { ActiveState } from '../policy-activation.service';

export class ActivePolicyResponseDto {
  @ApiProperty({ description: '0 when the organisation never activated a policy.' })
  revision!: number;

  @ApiProperty({ enum: ['baseline', 'organisation'], description: 'baseline: the built-in policy applies.' })
  source!: 'baseline' | 'organisation';

  @ApiProperty({ type: VersionSummaryResponseDto, nullable: true })
  version!: VersionSummaryResponseDto | null;

  @ApiProperty({ type: String, nullable: true })
  activatedAt!: string | null;

  static from(state: ActiveState): ActivePolicyResponseDto {
    const dto = new ActivePolicyResponseDto();
    dto.revision = state.revision;
    dto.source = state.version === null ? 'baseline' : 'organisation';
    dto.version = state.version === null ? null : VersionSummaryResponseDto.from(state.version);
    dto.activatedAt = state.activatedAt?.toISOString() ?? null;
    return dto;
  }
}
