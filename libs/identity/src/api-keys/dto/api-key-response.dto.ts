import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../../access/role';
import { API_KEY_SCOPES, type ApiKeyScope } from '../api-key-scope';
import type { ApiKeyEntity } from '../api-key.entity';

/** An API key as listed: never the secret, never its hash. */
export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'Public part of the key (`mnd_<prefix>_…`), to recognise it.' })
  prefix!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true })
  scopes!: ApiKeyScope[];

  @ApiProperty({ enum: ROLES, nullable: true, type: String })
  role!: Role | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ type: String, nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  revokedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Updated at most once a minute.' })
  lastUsedAt!: string | null;

  @ApiProperty()
  createdAt!: string;

  static from(entity: ApiKeyEntity): ApiKeyResponseDto {
    const dto = new ApiKeyResponseDto();
    dto.id = entity.id;
    dto.name = entity.name;
    dto.prefix = entity.prefix;
    dto.scopes = [...entity.scopes];
    dto.role = entity.role;
    dto.createdBy = entity.createdBy;
    dto.expiresAt = entity.expiresAt?.toISOString() ?? null;
    dto.revokedAt = entity.revokedAt?.toISOString() ?? null;
    dto.lastUsedAt = entity.lastUsedAt?.toISOString() ?? null;
    dto.createdAt = entity.createdAt.toISOString();
    return dto;
  }
}
