import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../../access/role';
import type { MemberEntity } from '../member.entity';

export class MemberResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ type: String, nullable: true })
  displayName!: string | null;

  @ApiProperty({ enum: ROLES, isArray: true })
  roles!: Role[];

  @ApiProperty()
  disabled!: boolean;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;

  static from(entity: MemberEntity): MemberResponseDto {
    const dto = new MemberResponseDto();
    dto.id = entity.id;
    dto.email = entity.email;
    dto.displayName = entity.displayName;
    dto.roles = [...entity.roles];
    dto.disabled = entity.disabled;
    dto.createdAt = entity.createdAt.toISOString();
    dto.updatedAt = entity.updatedAt.toISOString();
    return dto;
  }
}
