import { ApiProperty } from '@nestjs/swagger';
import {
  VIOLATION_REACTIONS,
  type SandboxProfileEntity,
  type ViolationReaction,
} from '../../store/sandbox-profile.entity';

export class SandboxProfileResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The normalised profile.' })
  spec!: Record<string, unknown>;

  @ApiProperty({ description: 'sha256 of the RFC 8785 canonical spec.' })
  digest!: string;

  @ApiProperty({ type: [String] })
  servers!: string[];

  @ApiProperty()
  isDefault!: boolean;

  @ApiProperty({ enum: VIOLATION_REACTIONS })
  onViolation!: ViolationReaction;

  @ApiProperty()
  revision!: number;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;

  static from(entity: SandboxProfileEntity): SandboxProfileResponseDto {
    return {
      id: entity.id,
      name: entity.name,
      description: entity.description,
      spec: entity.spec,
      digest: entity.digest,
      servers: entity.servers,
      isDefault: entity.isDefault,
      onViolation: entity.onViolation,
      revision: entity.revision,
      createdAt: entity.createdAt.toISOString(),
      updatedAt: entity.updatedAt.toISOString(),
    };
  }
}

export class SandboxProfilePageResponseDto {
  @ApiProperty({ type: [SandboxProfileResponseDto] })
  items!: SandboxProfileResponseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
