import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { VIOLATION_REACTIONS, type ViolationReaction } from '../../store/sandbox-profile.entity';
import type { SandboxResolution } from '../../store/sandbox-directory';

export class ResolvedProfileDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  revision!: number;

  @ApiProperty()
  digest!: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  spec!: Record<string, unknown>;

  @ApiProperty({ enum: VIOLATION_REACTIONS })
  onViolation!: ViolationReaction;

  @ApiProperty({ description: 'True when the organisation’s default profile applies.' })
  viaDefault!: boolean;
}

export class ResolvedQuarantineDto {
  @ApiProperty()
  kind!: string;

  @ApiProperty()
  detail!: string;

  @ApiProperty()
  since!: string;
}

export class SandboxResolutionResponseDto {
  @ApiProperty()
  server!: string;

  @ApiPropertyOptional({ type: ResolvedProfileDto, nullable: true, description: 'null: no profile applies.' })
  profile!: ResolvedProfileDto | null;

  @ApiPropertyOptional({
    type: ResolvedQuarantineDto,
    nullable: true,
    description: 'Set when the server is quarantined: do not start it.',
  })
  quarantine!: ResolvedQuarantineDto | null;

  static from(server: string, resolution: SandboxResolution): SandboxResolutionResponseDto {
    const { profile, quarantine } = resolution;
    return {
      server,
      profile: profile ? { ...profile } : null,
      quarantine: quarantine
        ? { kind: quarantine.kind, detail: quarantine.detail, since: quarantine.since.toISOString() }
        : null,
    };
  }
}
