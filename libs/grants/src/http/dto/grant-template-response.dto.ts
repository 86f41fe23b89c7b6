import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { GrantTemplateEntity } from '../../store/grant-template.entity';
import { GrantBudgetResponseDto, GrantResponseDto } from './grant-response.dto';

export class GrantTemplateResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  server!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'null with toolPattern null: a tool slot.' })
  tool!: string | null;

  @ApiProperty({ type: String, nullable: true })
  toolPattern!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  constraints!: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  maxUses!: number | null;

  @ApiProperty({ type: GrantBudgetResponseDto, nullable: true })
  budget!: GrantBudgetResponseDto | null;

  @ApiProperty()
  reason!: string;

  @ApiProperty()
  version!: number;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;

  static from(t: GrantTemplateEntity): GrantTemplateResponseDto {
    const dto = new GrantTemplateResponseDto();
    dto.id = t.id;
    dto.name = t.name;
    dto.server = t.server;
    dto.tool = t.tool;
    dto.toolPattern = t.toolPattern;
    dto.constraints = t.constraints;
    dto.expiresAt = t.expiresAt ? new Date(t.expiresAt).toISOString() : null;
    dto.maxUses = t.maxUses;
    dto.budget =
      t.budgetArgument !== null && t.budgetLimit !== null && t.budgetWindowSeconds !== null
        ? { argument: t.budgetArgument, limit: Number(t.budgetLimit), windowSeconds: t.budgetWindowSeconds }
        : null;
    dto.reason = t.reason;
    dto.version = t.version;
    dto.createdAt = new Date(t.createdAt).toISOString();
    dto.updatedAt = new Date(t.updatedAt).toISOString();
    return dto;
  }
}

export class GrantTemplatePageResponseDto {
  @ApiProperty({ type: [GrantTemplateResponseDto] })
  items!: GrantTemplateResponseDto[];

  @ApiPropertyOptional({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class UpdatedGrantTemplateResponseDto {
  @ApiProperty({ type: GrantTemplateResponseDto })
  template!: GrantTemplateResponseDto;

  @ApiProperty({ description: 'Live grants updated.' })
  updatedGrants!: number;
}

export class InstantiatedGrantsResponseDto {
  @ApiProperty({ type: [GrantResponseDto] })
  grants!: GrantResponseDto[];
}
