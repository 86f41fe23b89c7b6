import { ApiProperty } from '@nestjs/swagger';
import { PERMISSIONS, type Permission } from '../../access/permission';
import type { Principal } from '../../access/principal';
import { ROLES, type Role } from '../../access/role';

export class MeResponseDto {
  @ApiProperty({ enum: ['member', 'api_key'] })
  kind!: 'member' | 'api_key';

  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  memberId!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  apiKeyId!: string | null;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;

  @ApiProperty({ enum: ROLES, isArray: true })
  roles!: Role[];

  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  permissions!: Permission[];

  static from(principal: Principal): MeResponseDto {
    const dto = new MeResponseDto();
    dto.kind = principal.kind;
    dto.orgId = principal.orgId;
    dto.memberId = principal.memberId;
    dto.apiKeyId = principal.apiKeyId;
    dto.email = principal.email;
    dto.roles = [...principal.roles];
    dto.permissions = PERMISSIONS.filter((permission) => principal.permissions.has(permission));
    return dto;
  }
}
