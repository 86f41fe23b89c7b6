import { ApiProperty } from '@nestjs/swagger';
import type { PolicyActivationEntity } from '../../store/policy-activation.entity';

export class ActivationRecordResponseDto {
  @ApiProperty()
  revision!: number;

  @ApiProperty({ format: 'uuid' })
  versionId!: string;

  @ApiProperty({ enum: ['activate', 'rollback'] })
  kind!: 'activate' | 'rollback';

  @ApiProperty()
  forced!: boolean;

  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  tests!: Record<string, unknown>;

  @ApiProperty({ type: 'object', properties: { type: { type: 'string' }, id: { type: 'string' } } })
  actor!: { type: string; id: string };

  @ApiProperty()
  activatedAt!: string;

  static from(row: PolicyActivationEntity): ActivationRecordResponseDto {
    const dto = new ActivationRecordResponseDto();
    dto.revision = row.revision;
    dto.versionId = row.versionId;
    dto.kind = row.kind;
    dto.forced = row.forced;
    dto.reason = row.reason;
    dto.tests = { ...row.tests };
    dto.actor = { type: row.actorType, id: row.actorId };
    dto.activatedAt = row.createdAt.toISOString();
    return dto;
  }
}
