import { ApiProperty } from '@nestjs/swagger';
import type { ActivationResult } from '../policy-activation.service';

export class ActivationResponseDto {
  @ApiProperty({ description: 'The organisation policy revision this activation created.' })
  revision!: number;

  @ApiProperty({ format: 'uuid' })
  versionId!: string;

  @ApiProperty()
  versionNumber!: number;

  @ApiProperty({ enum: ['activate', 'rollback'] })
  kind!: 'activate' | 'rollback';

  @ApiProperty({ description: 'True when failing tests were overridden.' })
  forced!: boolean;

  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: '`{total, passed, failed: [names]}`.',
  })
  tests!: Record<string, unknown>;

  @ApiProperty()
  activatedAt!: string;

  static from(result: ActivationResult): ActivationResponseDto {
    const dto = new ActivationResponseDto();
    dto.revision = result.activation.revision;
    dto.versionId = result.version.id;
    dto.versionNumber = result.version.number;
    dto.kind = result.activation.kind;
    dto.forced = result.activation.forced;
    dto.reason = result.activation.reason;
    dto.tests = { ...result.activation.tests };
    dto.activatedAt = result.activation.createdAt.toISOString();
    return dto;
  }
}
