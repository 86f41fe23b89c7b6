import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  APPROVAL_STATES,
  type ApprovalRequestEntity,
  type ApprovalState,
} from '../../requests/approval-request.entity';
import type { ApprovalDetail } from '../../requests/approval-request.service';
import { ApprovalHistoryResponseDto } from './approval-history-response.dto';
import { ApprovalVoteResponseDto } from './approval-vote-response.dto';

/** An approval request as approvers and admins see it: the exact call (full arguments), the policy's reasons. */
export class ApprovalResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: APPROVAL_STATES }) state!: ApprovalState;
  @ApiProperty() url!: string;
  @ApiProperty({ description: '`{id, name}`' }) agent!: { id: string; name: string };
  @ApiProperty() server!: string;
  @ApiProperty() tool!: string;
  @ApiProperty({ description: 'sha256: of the RFC 8785 canonical arguments' }) argumentsHash!: string;
  @ApiProperty({ type: Object, description: 'The exact arguments (unredacted).' }) arguments!: Record<
    string,
    unknown
  >;
  @ApiProperty({ type: [String], description: 'Paths the policy redacts in notifications.' })
  redactPaths!: string[];
  @ApiProperty({ type: Object, description: "The policy's require_approval object." }) requirement!: Record<
    string,
    unknown
  >;
  @ApiProperty({ type: Object, isArray: true }) reasons!: Array<{ code: string; message: string }>;
  @ApiProperty({ type: [String] }) groups!: string[];
  @ApiProperty({ type: [String] }) escalateTo!: string[];
  @ApiProperty() quorum!: number;
  @ApiProperty() reasonRequired!: boolean;
  @ApiProperty({ enum: ['once', 'window'] }) mode!: 'once' | 'window';
  @ApiProperty({ type: Number, nullable: true }) windowSeconds!: number | null;
  @ApiProperty({ format: 'uuid' }) decisionId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) escalatedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) decidedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) usableUntil!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) consumedAt!: string | null;
  @ApiPropertyOptional({ type: [ApprovalVoteResponseDto] }) votes?: ApprovalVoteResponseDto[];
  @ApiPropertyOptional({ type: [ApprovalHistoryResponseDto] }) history?: ApprovalHistoryResponseDto[];

  static from(r: ApprovalRequestEntity, state: ApprovalState, url: string): ApprovalResponseDto {
    return {
      id: r.id,
      state,
      url,
      agent: { id: r.agentId, name: r.agentName },
      server: r.server,
      tool: r.tool,
      argumentsHash: r.argsHash,
      arguments: r.arguments,
      redactPaths: r.redactPaths,
      requirement: r.requirement,
      reasons: r.reasons,
      groups: r.groups,
      escalateTo: r.escalateTo,
      quorum: r.quorum,
      reasonRequired: r.reasonRequired,
      mode: r.mode,
      windowSeconds: r.windowSeconds,
      decisionId: r.decisionId,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      escalatedAt: r.escalatedAt?.toISOString() ?? null,
      decidedAt: r.decidedAt?.toISOString() ?? null,
      usableUntil: r.usableUntil?.toISOString() ?? null,
      consumedAt: r.consumedAt?.toISOString() ?? null,
    };
  }

  static detail(d: ApprovalDetail, state: ApprovalState, url: string): ApprovalResponseDto {
    return {
      ...ApprovalResponseDto.from(d.request, state, url),
      votes: d.votes.map((v) => ApprovalVoteResponseDto.from(v)),
      history: d.history.map((h) => ApprovalHistoryResponseDto.from(h)),
    };
  }
}
