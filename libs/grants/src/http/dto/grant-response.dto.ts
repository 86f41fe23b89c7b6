import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { GrantEntity } from '../../store/grant.entity';

export class GrantBudgetResponseDto {
  @ApiProperty()
  argument!: string;

  @ApiProperty()
  limit!: number;

  @ApiProperty()
  windowSeconds!: number;
}

export type GrantStatus = 'active' | 'revoked' | 'expired' | 'exhausted' | 'not_yet_valid';

export class GrantResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  agentId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true })
  agentSelector!: Record<string, string> | null;

  @ApiProperty({ type: String, nullable: true })
  server!: string | null;

  @ApiProperty({ type: String, nullable: true })
  tool!: string | null;

  @ApiProperty({ type: String, nullable: true })
  toolPattern!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  constraints!: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true })
  notBefore!: string | null;

  @ApiProperty({ type: String, nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  maxUses!: number | null;

  @ApiProperty()
  uses!: number;

  @ApiProperty({ type: Number, nullable: true })
  remainingUses!: number | null;

  @ApiProperty({ type: GrantBudgetResponseDto, nullable: true })
  budget!: GrantBudgetResponseDto | null;

  @ApiProperty()
  reason!: string;

  @ApiProperty({
    type: 'object',
    properties: { type: { type: 'string' }, id: { type: 'string' } },
    description: 'Who issued it: member, api_key, approval (request id), delegation (parent grant id).',
  })
  issuer!: { type: string; id: string };

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  parentId!: string | null;

  @ApiProperty({ type: [String], description: 'Delegation chain above this grant, root first.' })
  ancestorIds!: string[];

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  templateId!: string | null;

  @ApiProperty({ enum: ['active', 'revoked', 'expired', 'exhausted', 'not_yet_valid'] })
  status!: GrantStatus;

  @ApiProperty({ type: String, nullable: true })
  revokedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  revokedReason!: string | null;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;

  static from(g: GrantEntity, now = new Date()): GrantResponseDto {
    const dto = new GrantResponseDto();
    dto.id = g.id;
    dto.agentId = g.agentId;
    dto.agentSelector = g.agentSelector;
    dto.server = g.server;
    dto.tool = g.tool;
    dto.toolPattern = g.toolPattern;
    dto.constraints = g.constraints;
    dto.notBefore = g.notBefore ? new Date(g.notBefore).toISOString() : null;
    dto.expiresAt = g.expiresAt ? new Date(g.expiresAt).toISOString() : null;
    dto.maxUses = g.maxUses;
    dto.uses = g.uses;
    dto.remainingUses = g.maxUses === null ? null : Math.max(0, g.maxUses - g.uses);
    dto.budget =
      g.budgetArgument !== null && g.budgetLimit !== null && g.budgetWindowSeconds !== null
        ? { argument: g.budgetArgument, limit: Number(g.budgetLimit), windowSeconds: g.budgetWindowSeconds }
        : null;
    dto.reason = g.reason;
    dto.issuer = { type: g.issuerType, id: g.issuerId };
    dto.parentId = g.parentId;
    dto.ancestorIds = g.ancestorIds ?? [];
    dto.templateId = g.templateId;
    dto.status = statusOf(g, now);
    dto.revokedAt = g.revokedAt ? new Date(g.revokedAt).toISOString() : null;
    dto.revokedReason = g.revokedReason;
    dto.createdAt = new Date(g.createdAt).toISOString();
    dto.updatedAt = new Date(g.updatedAt).toISOString();
    return dto;
  }
}

export function statusOf(g: GrantEntity, now: Date): GrantStatus {
  if (g.revokedAt) return 'revoked';
  if (g.expiresAt && new Date(g.expiresAt) <= now) return 'expired';
  if (g.notBefore && new Date(g.notBefore) > now) return 'not_yet_valid';
  if (g.maxUses !== null && g.uses >= g.maxUses) return 'exhausted';
  return 'active';
}

export class GrantUseResponseDto {
  @ApiProperty({ format: 'uuid' })
  decisionId!: string;

  @ApiProperty()
  consumedAt!: string;

  @ApiProperty({ type: Number, nullable: true })
  amount!: number | null;
}

export class GrantDetailResponseDto extends GrantResponseDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Budget spent in the current rolling window.' })
  budgetSpent!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  budgetRemaining!: number | null;

  @ApiProperty({ type: [String], description: 'Sub-grants delegated from this grant.' })
  children!: string[];

  @ApiProperty({
    type: [GrantUseResponseDto],
    description: 'The latest decisions that used it (at most 50).',
  })
  decisions!: GrantUseResponseDto[];
}

export class GrantPageResponseDto {
  @ApiProperty({ type: [GrantResponseDto] })
  items!: GrantResponseDto[];

  @ApiPropertyOptional({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class GrantTokenResponseDto {
  @ApiProperty({ description: 'The grant token (JWT, EdDSA). Shown once; not stored.' })
  token!: string;

  @ApiProperty()
  expiresAt!: string;

  @ApiProperty()
  kid!: string;
}

export class DelegatedGrantResponseDto {
  @ApiProperty({ type: GrantResponseDto })
  grant!: GrantResponseDto;

  @ApiProperty({ type: GrantTokenResponseDto })
  token!: GrantTokenResponseDto;
}

export class RotatedKeyResponseDto {
  @ApiProperty()
  kid!: string;

  @ApiProperty({ type: [String] })
  retired!: string[];
}
