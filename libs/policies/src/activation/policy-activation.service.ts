import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, decodeCursor, encodeCursor, type Page } from '@mandate/common';
import { actorOf, type Principal } from '@mandate/identity';
import { DataSource, type EntityManager } from 'typeorm';
import { POLICY_ACTIVATED_CHANNEL, PolicyEventType } from '../shared/policy-event-type';
import { PolicyEvents } from '../shared/policy-events';
import type { RequestMeta } from '../shared/request-meta';
import { PolicyActivationEntity, type PolicyActivationTests } from '../store/policy-activation.entity';
import { PolicyHeadEntity } from '../store/policy-head.entity';
import { lockPolicyHead } from '../store/policy-head.lock';
import { PolicyVersionEntity } from '../store/policy-version.entity';
import { PolicyTestGate, type PolicyTestSummary } from './policy-test.gate';

export interface ActivateOptions {
  force?: boolean;
  reason?: string;
}

export interface ActivationResult {
  activation: PolicyActivationEntity;
  version: PolicyVersionEntity;
}

export interface ActiveState {
  /** 0 when the organisation never activated a policy (the baseline applies). */
  revision: number;
  version: PolicyVersionEntity | null;
  activatedAt: Date | null;
}

const notFound = () => new DomainError(ErrorCode.NotFound, 'Policy version not found');

/**
 * Activation and rollback: one transaction each, under the organisation's policy-head row lock; the revision
 * is bumped, the history row written, the domain event published and `pg_notify` sent with the commit.
 */
@Injectable()
export class PolicyActivationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tests: PolicyTestGate,
    private readonly events: PolicyEvents,
  ) {}

  /**
   * Runs the version's `test_` rules, then activates it. Failing tests refuse the activation (409 with the
   * failed tests) unless `force` is true with a non-empty reason, which is recorded.
   */
  async activate(
    principal: Principal,
    versionId: string,
    options: ActivateOptions,
    meta: RequestMeta = {},
  ): Promise<ActivationResult> {
    const reason = options.reason?.trim() || null;
    if (options.force === true && reason === null) {
      throw new DomainError(ErrorCode.ValidationFailed, 'A forced activation needs a reason', {
        field: 'reason',
      });
    }
    const version = await this.findVersion(this.dataSource.manager, principal.orgId, versionId);
    const summary: PolicyTestSummary =
      Object.keys(version.files).length > 0
        ? await this.tests.run(version.files)
        : { total: 0, passed: 0, failed: [] };
    const failing = summary.failed.length > 0;
    if (failing && options.force !== true) {
      throw new DomainError(
        ErrorCode.Conflict,
        `${summary.failed.length} of ${summary.total} policy tests fail; fix them or force with a reason`,
        { failedTests: summary.failed, total: summary.total, passed: summary.passed },
      );
    }
    return this.dataSource.transaction(async (manager) => {
      const head = await lockPolicyHead(manager, principal.orgId);
      if (head.versionId === version.id) {
        throw new DomainError(ErrorCode.Conflict, 'This version is already active');
      }
      const activation = await this.record(manager, principal, {
        revision: head.revision + 1,
        version,
        kind: 'activate',
        forced: failing,
        reason,
        tests: { total: summary.total, passed: summary.passed, failed: summary.failed.map((t) => t.name) },
      });
      await this.events.publish(
        manager,
        principal,
        PolicyEventType.Activated,
        { type: 'policy_version', id: version.id },
        {
          revision: activation.revision,
          previousRevision: head.revision,
          previousVersionId: head.versionId,
          versionId: version.id,
          versionNumber: version.number,
          forced: activation.forced,
          reason,
          tests: activation.tests,
        },
        meta,
      );
      return { activation, version };
    });
  }

  /** Makes a version that was active before the active one again (no tests: it was vetted then). */
  async rollback(
    principal: Principal,
    versionId: string,
    reason: string | undefined,
    meta: RequestMeta = {},
  ): Promise<ActivationResult> {
    const why = reason?.trim() || null;
    return this.dataSource.transaction(async (manager) => {
      const head = await lockPolicyHead(manager, principal.orgId);
      const version = await this.findVersion(manager, principal.orgId, versionId);
      if (head.versionId === version.id) {
        throw new DomainError(ErrorCode.Conflict, 'This version is already active');
      }
      const wasActive = await manager
        .getRepository(PolicyActivationEntity)
        .existsBy({ orgId: principal.orgId, versionId: version.id });
      if (!wasActive) {
        throw new DomainError(
          ErrorCode.Conflict,
          'Only a version that was active before can be rolled back to; activate this one instead',
        );
      }
      const activation = await this.record(manager, principal, {
        revision: head.revision + 1,
        version,
        kind: 'rollback',
        forced: false,
        reason: why,
        tests: { skipped: true },
      });
      await this.events.publish(
        manager,
        principal,
        PolicyEventType.RolledBack,
        { type: 'policy_version', id: version.id },
        {
          revision: activation.revision,
          previousRevision: head.revision,
          previousVersionId: head.versionId,
          versionId: version.id,
          versionNumber: version.number,
          reason: why,
        },
        meta,
      );
      return { activation, version };
    });
  }

  async active(principal: Principal): Promise<ActiveState> {
    const head = await this.dataSource
      .getRepository(PolicyHeadEntity)
      .findOne({ where: { orgId: principal.orgId }, relations: { version: true } });
    if (head === null || head.versionId === null)
      return { revision: head?.revision ?? 0, version: null, activatedAt: null };
    return { revision: head.revision, version: head.version ?? null, activatedAt: head.activatedAt };
  }

  /** Activation and rollback history, oldest revision first (cursor-paginated). */
  async history(principal: Principal, limit: number, cursor?: string): Promise<Page<PolicyActivationEntity>> {
    const query = this.dataSource
      .getRepository(PolicyActivationEntity)
      .createQueryBuilder('a')
      .where('a.org_id = :orgId', { orgId: principal.orgId })
      .orderBy('a.revision', 'ASC')
      .limit(limit + 1);
    if (cursor !== undefined) {
      const after = decodeCursor(cursor).r;
      if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) {
        throw new DomainError(ErrorCode.BadRequest, 'Invalid pagination cursor', { field: 'cursor' });
      }
      query.andWhere('a.revision > :after', { after });
    }
    const rows = await query.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ r: last.revision }) : null };
  }

  private async findVersion(manager: EntityManager, orgId: string, id: string): Promise<PolicyVersionEntity> {
    const version = await manager.getRepository(PolicyVersionEntity).findOneBy({ orgId, id });
    if (version === null) throw notFound();
    return version;
  }

  private async record(
    manager: EntityManager,
    principal: Principal,
    input: {
      revision: number;
      version: PolicyVersionEntity;
      kind: 'activate' | 'rollback';
      forced: boolean;
      reason: string | null;
      tests: PolicyActivationTests;
    },
  ): Promise<PolicyActivationEntity> {
    const actor = actorOf(principal);
    const [{ now }] = await manager.query<Array<{ now: Date }>>(`SELECT now() AS now`);
    await manager.query(
      `UPDATE policy_heads SET revision = $2, version_id = $3, activated_at = $4 WHERE org_id = $1`,
      [principal.orgId, input.revision, input.version.id, now],
    );
    const repository = manager.getRepository(PolicyActivationEntity);
    const activation = repository.create({
      id: randomUUID(),
      orgId: principal.orgId,
      revision: input.revision,
      versionId: input.version.id,
      kind: input.kind,
      forced: input.forced,
      reason: input.reason,
      tests: input.tests,
      actorType: actor.type,
      actorId: actor.id,
      createdAt: now,
    });
    await repository.insert(activation);
    await manager.query(`SELECT pg_notify($1, $2)`, [
      POLICY_ACTIVATED_CHANNEL,
      JSON.stringify({ orgId: principal.orgId, revision: input.revision }),
    ]);
    return activation;
  }
}
