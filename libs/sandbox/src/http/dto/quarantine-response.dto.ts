import { ApiProperty } from '@nestjs/swagger';
import type { SandboxQuarantineEntity } from '../../store/sandbox-quarantine.entity';

export class QuarantineResponseDto {
  @ApiProperty()
  server!: string;

  @ApiProperty()
  kind!: string;

  @ApiProperty()
  detail!: string;

  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  profileId!: string | null;

  @ApiProperty()
  since!: string;

  static from(entity: SandboxQuarantineEntity): QuarantineResponseDto {
    return {
      server: entity.server,
      kind: entity.kind,
      detail: entity.detail,
      profileId: entity.profileId,
      since: entity.createdAt.toISOString(),
    };
  }
}

export class QuarantineListResponseDto {
  @ApiProperty({ type: [QuarantineResponseDto] })
  items!: QuarantineResponseDto[];
}
