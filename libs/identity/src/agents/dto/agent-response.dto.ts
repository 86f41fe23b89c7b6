import { ApiProperty } from '@nestjs/swagger';
import type { AgentEntity } from '../agent.entity';

export class AgentResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ format: 'uuid', description: 'The member accountable for this agent.' })
  ownerId!: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'payments' } })
  labels!: Record<string, string>;

  @ApiProperty({ minimum: 0, maximum: 3, description: '0 = untrusted, 1 = low, 2 = medium, 3 = high.' })
  trustLevel!: number;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;

  static from(entity: AgentEntity): AgentResponseDto {
    const dto = new AgentResponseDto();
    dto.id = entity.id;
    dto.name = entity.name;
    dto.description = entity.description;
    dto.ownerId = entity.ownerMemberId;
    dto.labels = { ...entity.labels };
    dto.trustLevel = entity.trustLevel;
    dto.enabled = entity.enabled;
    dto.createdAt = entity.createdAt.toISOString();
    dto.updatedAt = entity.updatedAt.toISOString();
    return dto;
  }
}
