import { ApiProperty } from '@nestjs/swagger';
import type { DecisionResult } from '../evaluation/decision-result';

export class DecisionReasonDto {
  @ApiProperty({
    description: 'Stable machine-readable code, e.g. policy_deny, unknown_agent, record_failed.',
  })
  code!: string;

  @ApiProperty()
  message!: string;
}

export class DecisionResponseDto {
  @ApiProperty({ enum: ['allow', 'deny', 'pending_approval'] })
  decision!: 'allow' | 'deny' | 'pending_approval';

  @ApiProperty({ format: 'uuid' })
  decisionId!: string;

  @ApiProperty({ type: [DecisionReasonDto] })
  reasons!: DecisionReasonDto[];

  @ApiProperty({ type: Object })
  obligations!: Record<string, unknown>;

  @ApiProperty({
    type: Object,
    nullable: true,
    description:
      'For pending_approval: `{id, url, retryAfter}` of the approval request to wait for (long-poll ' +
      "`GET /v1/approvals/{id}?wait=30`), and `requirement`, the policy's require_approval object.",
  })
  approval!: Record<string, unknown> | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Policy revision evaluated (0 = baseline).' })
  policyRevision!: number | null;

  @ApiProperty({ type: String, nullable: true })
  consistencyToken!: string | null;

  static from(result: DecisionResult): DecisionResponseDto {
    return {
      decision: result.decision,
      decisionId: result.decisionId,
      reasons: result.reasons,
      obligations: result.obligations,
      approval: approvalOf(result),
      policyRevision: result.policyRevision,
      consistencyToken: result.consistencyToken,
    };
  }
}

function approvalOf(result: DecisionResult): Record<string, unknown> | null {
  if (result.decision !== 'pending_approval') return null;
  return { ...(result.approvalRequest ?? {}), requirement: result.approval };
}
