import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, decodeCursor, encodeCursor, type Page } from '@mandate/common';
import type { Actor } from '@mandate/events';
import { actorOf, type Principal } from '@mandate/identity';
import { OutboxWriter } from '@mandate/queue';
import { DataSource, type EntityManager } from 'typeorm';
import { ApprovalEventType, ApprovalJob } from '../shared/approval-events';
import {
  conflictOfInterest,
  effectiveState,
  tally,
  type ApprovalRequirement,
} from '../shared/approval-rules';
import { ApprovalHistoryEntity } from './approval-history.entity';
import {
  AlreadyVotedError,
  ApprovalNotFoundError,
  ApprovalNotPendingError,
  ReasonRequiredError,
  ReviewerNotAllowedError,
} from './approval-errors';
import { ApprovalRequestEntity, type ApprovalState } from './approval-request.entity';
import { ApprovalTransitions } from './approval-transitions';
import { ApprovalVoteEntity } from './approval-vote.entity';

/** What the decision pipeline knows when a call needs an approval. */
export interface NewApprovalRequest {
  orgId: string;
  agentId: string;
  agentName: string;
  agentOwnerId: string | null;
  principalId: string | null;
  principalEmail: string | null;
  server: string;
  tool: string;
  argsHash: string;
  arguments: Record<string, unknown>;
  redactPaths: string[];
  requirement: Record<string, unknown>;
  parsed: ApprovalRequirement;
  reasons: Array<{ code: string; message: string }>;
  grantIds: string[];
  decisionId: string;
  actor: Actor;
  requestId?: string;
}

/** An approved request the pipeline may use for a call (`input.approval`). */
export interface UsableApproval {
  id: string;
  mode: 'once' | 'window';
  usableUntil: Date;
  argsHash: string;
}

export interface ApprovalFilters {
  state?: ApprovalState;
  tool?: string;
  agent?: string;
}

export interface ApprovalDetail {
  request: ApprovalRequestEntity;
  votes: ApprovalVoteEntity[];
  history: ApprovalHistoryEntity[];
}

export type VoteValue = 'approve' | 'deny';

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Approval requests: find-or-create for the decision pipeline (one pending request per exact call), votes
 * with quorum, veto and separation of duties, cancellation, the inbox and the detail view. Every query is
 * scoped by organisation; every transition publishes its event in the same transaction.
 */
@Injectable()
export class ApprovalRequestService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: ApprovalTransitions,
    private readonly outbox: OutboxWriter,
  ) {}

  /** The pending request for this exact call, created (with its expiry/escalation jobs) when none exists. */
  async open(input: NewApprovalRequest): Promise<ApprovalRequestEntity> {
    // Fast path (the same call asked again): one indexed read, no transaction.
    const existing = await this.dataSource.getRepository(ApprovalRequestEntity).findOne({
      where: {
        orgId: input.orgId,
        agentId: input.agentId,
        server: input.server,
        tool: input.tool,
        argsHash: input.argsHash,
        state: 'pending',
      },
    });
    if (existing && existing.expiresAt.getTime() > Date.now()) return existing;
    return this.dataSource.transaction(async (manager) => {
      const binding = {
        orgId: input.orgId,
        agentId: input.agentId,
        server: input.server,
        tool: input.tool,
        argsHash: input.argsHash,
      };
      const repo = manager.getRepository(ApprovalRequestEntity);
      const overdue = await repo.findOne({ where: { ...binding, state: 'pending' } });
      if (overdue && overdue.expiresAt.getTime() <= Date.now()) {
        await this.transitions.expireOverdue(manager, { id: overdue.id });
      } else if (overdue) {
        return overdue;
      }
      const id = randomUUID();
      const r = input.parsed;
      const inserted = await manager.query<Array<{ id: string }>>(
        `INSERT INTO approval_requests (id, org_id, agent_id, agent_name, agent_owner_id, principal_id,
           principal_email, server, tool, args_hash, arguments, redact_paths, requirement, reasons, groups,
           escalate_to, quorum, reason_required, mode, window_seconds, grant_ids, decision_id, state,
           expires_at, escalate_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13::jsonb, $14::jsonb, $15, $16, $17,
           $18, $19, $20, $21, $22, 'pending', now() + make_interval(secs => $23::double precision),
           CASE WHEN $24::double precision IS NULL THEN NULL
                ELSE now() + make_interval(secs => $24::double precision) END)
         ON CONFLICT (org_id, agent_id, server, tool, args_hash) WHERE state = 'pending' DO NOTHING
         RETURNING id`,
        [
          id,
          input.orgId,
          input.agentId,
          input.agentName,
          input.agentOwnerId,
          input.principalId,
          input.principalEmail,
          input.server,
          input.tool,
          input.argsHash,
          JSON.stringify(input.arguments),
          input.redactPaths,
          JSON.stringify(input.requirement),
          JSON.stringify(input.reasons),
          r.groups,
          r.escalateTo,
          r.quorum,
          r.reasonRequired,
          r.mode,
          r.windowSeconds,
          input.grantIds,
          input.decisionId,
          r.ttlSeconds,
          r.escalateAfterSeconds,
        ],
      );
      if (inserted.length === 0) {
        // A concurrent identical call created it first (the partial unique index serialised us).
        const winner = await repo.findOne({ where: { ...binding, state: 'pending' } });
        if (!winner) throw new Error('approval request vanished after a concurrent insert');
        return winner;
      }
      const request = await repo.findOneByOrFail({ id });
      await this.outbox.enqueue(
        manager,
        ApprovalJob.Expire,
        { requestId: id },
        { delayMs: r.ttlSeconds * 1000 },
      );
      if (r.escalateAfterSeconds !== null) {
        await this.outbox.enqueue(
          manager,
          ApprovalJob.Escalate,
          { requestId: id },
          { delayMs: r.escalateAfterSeconds * 1000 },
        );
      }
      await this.transitions.record(
        manager,
        request,
        ApprovalEventType.Requested,
        input.actor,
        {
          decisionId: input.decisionId,
          groups: r.groups,
          quorum: r.quorum,
          mode: r.mode,
          expiresAt: request.expiresAt.toISOString(),
          reason: r.reason,
        },
        { notify: true, requestId: input.requestId },
      );
      return request;
    });
  }

  async get(orgId: string, id: string): Promise<ApprovalRequestEntity> {
    const request = await this.dataSource.getRepository(ApprovalRequestEntity).findOneBy({ id, orgId });
    if (!request) throw new ApprovalNotFoundError();
    return request;
  }

  async detail(principal: Principal, id: string): Promise<ApprovalDetail> {
    const request = await this.get(principal.orgId, id);
    const votes = await this.dataSource
      .getRepository(ApprovalVoteEntity)
      .find({ where: { requestId: id, orgId: principal.orgId }, order: { createdAt: 'ASC' } });
    const history = await this.dataSource
      .getRepository(ApprovalHistoryEntity)
      .find({ where: { requestId: id, orgId: principal.orgId }, order: { at: 'ASC' }, take: 500 });
    return { request, votes, history };
  }

  /** The inbox, newest first, filtered by state (effective: overdue pending counts as expired), tool, agent. */
  async list(
    principal: Principal,
    filters: ApprovalFilters,
    limit: number,
    cursor?: string,
  ): Promise<Page<ApprovalRequestEntity>> {
    const params: unknown[] = [principal.orgId];
    const where = ['r.org_id = $1'];
    if (filters.state === 'pending') where.push(`r.state = 'pending' AND r.expires_at > now()`);
    else if (filters.state === 'expired')
      where.push(`(r.state = 'expired' OR (r.state = 'pending' AND r.expires_at <= now()))`);
    else if (filters.state) {
      params.push(filters.state);
      where.push(`r.state = $${params.length}`);
    }
    if (filters.tool) {
      params.push(filters.tool);
      where.push(`r.tool = $${params.length}`);
    }
    if (filters.agent) {
      params.push(filters.agent);
      where.push(`r.agent_name = $${params.length}`);
    }
    if (cursor !== undefined) {
      const position = decodeCursor(cursor);
      if (
        typeof position.t !== 'string' ||
        !ISO_MICROS.test(position.t) ||
        typeof position.i !== 'string' ||
        !UUID.test(position.i)
      )
        throw new DomainError(ErrorCode.BadRequest, 'Invalid pagination cursor', { field: 'cursor' });
      params.push(position.t, position.i);
      where.push(`(r.created_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows = await this.dataSource.query<Array<{ id: string; cursor_at: string }>>(
      `SELECT r.id, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
         FROM approval_requests r WHERE ${where.join(' AND ')}
        ORDER BY r.created_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const entities = page.length
      ? await this.dataSource
          .getRepository(ApprovalRequestEntity)
          .find({ where: page.map((r) => ({ id: r.id })) })
      : [];
    const byId = new Map(entities.map((e) => [e.id, e]));
    const last = page[page.length - 1];
    return {
      items: page.map((r) => byId.get(r.id)).filter((e): e is ApprovalRequestEntity => e !== undefined),
      nextCursor: rows.length > limit && last ? encodeCursor({ t: last.cursor_at, i: last.id }) : null,
    };
  }

  /**
   * A reviewer's vote. The reviewer must be a member of one of the request's groups (or of the escalation
   * groups once escalated) and must not be the agent's owner, the principal or a grant's issuer. A deny
   * vetoes at once; `quorum` approvals approve.
   */
  async vote(
    principal: Principal,
    id: string,
    vote: VoteValue,
    reason: string | undefined,
    meta: { requestId?: string; ip?: string } = {},
  ): Promise<ApprovalRequestEntity> {
    if (principal.memberId === null)
      throw new ReviewerNotAllowedError('Only members can review approval requests');
    const memberId = principal.memberId;
    await this.expireIfOverdue(principal.orgId, id);
    return this.dataSource.transaction(async (manager) => {
      const request = await this.lock(manager, principal.orgId, id);
      if (request.state !== 'pending') throw new ApprovalNotPendingError(request.state);
      const groups = request.escalatedAt ? [...request.groups, ...request.escalateTo] : request.groups;
      const inGroup = await manager.query<unknown[]>(
        `SELECT 1 FROM approver_group_members gm JOIN approver_groups g ON g.id = gm.group_id
          WHERE g.org_id = $1 AND g.name = ANY($2::text[]) AND gm.member_id = $3 LIMIT 1`,
        [principal.orgId, groups, memberId],
      );
      if (inGroup.length === 0)
        throw new ReviewerNotAllowedError(
          `Only members of the groups ${groups.join(', ')} can review this request`,
        );
      const conflict = conflictOfInterest(
        {
          agentOwnerId: request.agentOwnerId,
          principalId: request.principalId,
          principalEmail: request.principalEmail,
          grantIssuerIds: await this.grantIssuers(manager, request),
        },
        { memberId, email: principal.email },
      );
      if (conflict) throw new ReviewerNotAllowedError(conflict);
      const why = reason?.trim() ? reason.trim() : null;
      if (request.reasonRequired && why === null) throw new ReasonRequiredError();
      const inserted = await manager.query<unknown[]>(
        `INSERT INTO approval_votes (request_id, member_id, org_id, vote, reason) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (request_id, member_id) DO NOTHING RETURNING request_id`,
        [id, memberId, principal.orgId, vote, why],
      );
      if (inserted.length === 0) throw new AlreadyVotedError();
      const actor = actorOf(principal);
      await this.transitions.record(
        manager,
        request,
        ApprovalEventType.VoteCast,
        actor,
        { vote, reason: why },
        meta,
      );
      const votes = await manager.query<Array<{ vote: VoteValue }>>(
        `SELECT vote FROM approval_votes WHERE request_id = $1`,
        [id],
      );
      const outcome = tally(votes, request.quorum);
      if (outcome === 'pending') return request;
      const lifetime = outcome === 'approved' ? (request.windowSeconds ?? ttlOf(request)) : null;
      await manager.query(
        `UPDATE approval_requests SET state = $2, decided_at = now(),
           usable_until = CASE WHEN $3::double precision IS NULL THEN NULL
                               ELSE now() + make_interval(secs => $3::double precision) END
         WHERE id = $1`,
        [id, outcome, lifetime],
      );
      const decided = await manager.getRepository(ApprovalRequestEntity).findOneByOrFail({ id });
      await this.transitions.record(
        manager,
        decided,
        outcome === 'approved' ? ApprovalEventType.Approved : ApprovalEventType.Denied,
        actor,
        {
          approvals: votes.filter((v) => v.vote === 'approve').length,
          quorum: request.quorum,
          usableUntil: decided.usableUntil?.toISOString() ?? null,
        },
        { ...meta, notify: true },
      );
      return decided;
    });
  }

  async cancel(
    principal: Principal,
    id: string,
    reason: string | undefined,
    meta: { requestId?: string; ip?: string } = {},
  ): Promise<ApprovalRequestEntity> {
    await this.expireIfOverdue(principal.orgId, id);
    return this.dataSource.transaction(async (manager) => {
      const request = await this.lock(manager, principal.orgId, id);
      if (request.state !== 'pending') throw new ApprovalNotPendingError(request.state);
      await manager.query(
        `UPDATE approval_requests SET state = 'cancelled', decided_at = now() WHERE id = $1`,
        [id],
      );
      const cancelled = await manager.getRepository(ApprovalRequestEntity).findOneByOrFail({ id });
      await this.transitions.record(
        manager,
        cancelled,
        ApprovalEventType.Cancelled,
        actorOf(principal),
        { reason: reason?.trim() || null },
        { ...meta, notify: true },
      );
      return cancelled;
    });
  }

  /** Time-checked expiry of one request (reads stay correct even when the expiry job has not run). */
  async expireIfOverdue(orgId: string, id: string): Promise<void> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM approval_requests WHERE id = $1 AND org_id = $2 AND state = 'pending' AND expires_at <= now()`,
      [id, orgId],
    );
    if (rows.length === 0) return;
    await this.dataSource.transaction((manager) => this.transitions.expireOverdue(manager, { id }));
  }

  effectiveState(request: ApprovalRequestEntity, now = new Date()): ApprovalState {
    return effectiveState(request.state, request.expiresAt, now);
  }

  /**
   * Members who issued a grant involved in the request, read from the grants feature's table when it is
   * installed (member-issued grants only; approval- or delegation-issued grants have no member issuer).
   */
  private async grantIssuers(manager: EntityManager, request: ApprovalRequestEntity): Promise<string[]> {
    const ids = request.grantIds.filter((g) => UUID.test(g));
    if (ids.length === 0) return [];
    const [{ present }] = await manager.query<Array<{ present: boolean }>>(
      `SELECT to_regclass('grants') IS NOT NULL AS present`,
    );
    if (!present) return [];
    const rows = await manager.query<Array<{ issuer_id: string }>>(
      `SELECT issuer_id FROM grants WHERE org_id = $1 AND id = ANY($2::uuid[]) AND issuer_type = 'member'`,
      [request.orgId, ids],
    );
    return rows.map((r) => r.issuer_id);
  }

  private async lock(manager: EntityManager, orgId: string, id: string): Promise<ApprovalRequestEntity> {
    const request = await manager
      .getRepository(ApprovalRequestEntity)
      .createQueryBuilder('r')
      .setLock('pessimistic_write')
      .where('r.id = :id AND r.org_id = :orgId', { id, orgId })
      .getOne();
    if (!request) throw new ApprovalNotFoundError();
    return request;
  }
}

/** A once-approval stays usable as long as the request could have stayed pending (its TTL). */
function ttlOf(request: ApprovalRequestEntity): number {
  return Math.max(1, Math.round((request.expiresAt.getTime() - request.createdAt.getTime()) / 1000));
}
