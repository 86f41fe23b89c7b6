import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, decodeCursor, encodeCursor, type Page } from '@mandate/common';
import { DomainEventPublisher } from '@mandate/events';
import { actorOf, type Principal } from '@mandate/identity';
import { DataSource, type EntityManager } from 'typeorm';
import type { RequestMeta } from '../http/request-meta';
import { sandboxViolationsTotal } from '../metrics/sandbox-metrics';
import { parseSandboxProfileSpec, type SandboxProfileSpec } from '../profile/sandbox-profile';
import { sandboxProfileDigest } from '../profile/sandbox-profile-digest';
import type { ViolationKind, ViolationSource } from '../violations/sandbox-violation';
import { SandboxDirectory } from './sandbox-directory';
import { SandboxEventType } from './sandbox-event-type';
import { SandboxProfileEntity, type ViolationReaction } from './sandbox-profile.entity';
import { SandboxQuarantineEntity } from './sandbox-quarantine.entity';

export const SANDBOX_LIMITS = {
  profilesPerOrg: 200,
  serversPerProfile: 200,
  specBytes: 32 * 1024,
} as const;

export interface NewSandboxProfile {
  name: string;
  description?: string | null;
  spec: Record<string, unknown>;
  servers?: string[];
  isDefault?: boolean;
  onViolation?: ViolationReaction;
}

export type SandboxProfileChanges = Partial<NewSandboxProfile>;

export interface ReportedViolation {
  server: string;
  tool?: string;
  kind: ViolationKind;
  source: ViolationSource;
  detail: string;
  /** The digest of the profile the server ran under, as the gateway applied it. */
  profileDigest?: string;
  gateway?: string;
}

export interface ViolationOutcome {
  eventType: string;
  quarantined: boolean;
  profileId: string | null;
}

const notFound = () => new DomainError(ErrorCode.NotFound, 'Sandbox profile not found');

/**
 * Sandbox profiles of an organisation (admin API), their assignment to MCP servers, reported violations
 * and quarantines. Every change runs in one transaction with its domain event; changes of one organisation
 * are serialised by an advisory lock so a server never ends up with two profiles.
 */
@Injectable()
export class SandboxProfileService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: DomainEventPublisher,
    private readonly directory: SandboxDirectory,
  ) {}

  async list(principal: Principal, limit: number, cursor?: string): Promise<Page<SandboxProfileEntity>> {
    const query = this.dataSource
      .getRepository(SandboxProfileEntity)
      .createQueryBuilder('p')
      .where('p.org_id = :orgId', { orgId: principal.orgId });
    if (cursor !== undefined) {
      const { n, i } = decodeCursor(cursor);
      if (typeof n !== 'string' || typeof i !== 'string' || !/^[0-9a-f-]{36}$/.test(i)) {
        throw new DomainError(ErrorCode.BadRequest, 'Invalid pagination cursor', { field: 'cursor' });
      }
      query.andWhere('(p.name, p.id) > (:cursorName, CAST(:cursorId AS uuid))', {
        cursorName: n,
        cursorId: i,
      });
    }
    const rows = await query
      .orderBy('p.name', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(limit + 1)
      .getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor({ n: last.name, i: last.id }) : null,
    };
  }

  async get(principal: Principal, id: string): Promise<SandboxProfileEntity> {
    const profile = await this.dataSource
      .getRepository(SandboxProfileEntity)
      .findOneBy({ orgId: principal.orgId, id });
    if (profile === null) throw notFound();
    return profile;
  }

  async create(
    principal: Principal,
    meta: RequestMeta,
    input: NewSandboxProfile,
  ): Promise<SandboxProfileEntity> {
    const spec = validSpec(input.spec);
    return this.change(principal.orgId, async (manager) => {
      const repository = manager.getRepository(SandboxProfileEntity);
      if ((await repository.countBy({ orgId: principal.orgId })) >= SANDBOX_LIMITS.profilesPerOrg) {
        throw new DomainError(
          ErrorCode.Conflict,
          `An organisation has at most ${SANDBOX_LIMITS.profilesPerOrg} profiles`,
        );
      }
      const profile = repository.create({
        id: randomUUID(),
        orgId: principal.orgId,
        name: input.name,
        description: input.description ?? null,
        spec: spec as unknown as Record<string, unknown>,
        digest: sandboxProfileDigest(spec),
        servers: uniqueServers(input.servers ?? []),
        isDefault: input.isDefault ?? false,
        onViolation: input.onViolation ?? 'record',
        revision: 1,
      });
      await this.assertAssignable(manager, profile);
      await repository.save(profile);
      await this.publish(manager, principal, meta, SandboxEventType.ProfileCreated, profile.id, {
        after: snapshot(profile),
      });
      return profile;
    });
  }

  async update(
    principal: Principal,
    meta: RequestMeta,
    id: string,
    changes: SandboxProfileChanges,
  ): Promise<SandboxProfileEntity> {
    const spec = changes.spec === undefined ? undefined : validSpec(changes.spec);
    return this.change(principal.orgId, async (manager) => {
      const repository = manager.getRepository(SandboxProfileEntity);
      const profile = await repository.findOne({
        where: { orgId: principal.orgId, id },
        lock: { mode: 'pessimistic_write' },
      });
      if (profile === null) throw notFound();
      const before = snapshot(profile);
      if (changes.name !== undefined) profile.name = changes.name;
      if (changes.description !== undefined) profile.description = changes.description;
      if (spec !== undefined) {
        profile.spec = spec;
        profile.digest = sandboxProfileDigest(spec);
      }
      if (changes.servers !== undefined) profile.servers = uniqueServers(changes.servers);
      if (changes.isDefault !== undefined) profile.isDefault = changes.isDefault;
      if (changes.onViolation !== undefined) profile.onViolation = changes.onViolation;
      profile.revision += 1;
      await this.assertAssignable(manager, profile);
      await repository.save(profile);
      await this.publish(manager, principal, meta, SandboxEventType.ProfileUpdated, profile.id, {
        before,
        after: snapshot(profile),
      });
      return profile;
    });
  }

  async delete(principal: Principal, meta: RequestMeta, id: string): Promise<void> {
    await this.change(principal.orgId, async (manager) => {
      const repository = manager.getRepository(SandboxProfileEntity);
      const profile = await repository.findOneBy({ orgId: principal.orgId, id });
      if (profile === null) throw notFound();
      await repository.delete({ orgId: principal.orgId, id });
      await this.publish(manager, principal, meta, SandboxEventType.ProfileDeleted, id, {
        before: snapshot(profile),
      });
    });
  }

  /** The profile a gateway must apply to `server` (its own, else the default, else none) and its quarantine. */
  resolve(orgId: string, server: string) {
    return this.directory.resolve(orgId, server);
  }

  /**
   * A gateway reports a violation: audit event + metric; with `onViolation: quarantine` the server is
   * quarantined (every decision for it is denied until released) in the same transaction.
   */
  async reportViolation(
    principal: Principal,
    meta: RequestMeta,
    report: ReportedViolation,
  ): Promise<ViolationOutcome> {
    const { profile } = await this.directory.resolve(principal.orgId, report.server, true);
    const outcome = await this.change(principal.orgId, async (manager) => {
      await this.publish(manager, principal, meta, SandboxEventType.ViolationReported, report.server, {
        server: report.server,
        tool: report.tool ?? null,
        kind: report.kind,
        source: report.source,
        detail: report.detail,
        gateway: report.gateway ?? null,
        profile: profile
          ? { id: profile.id, name: profile.name, revision: profile.revision, digest: profile.digest }
          : null,
        reportedDigest: report.profileDigest ?? null,
      });
      if (profile?.onViolation !== 'quarantine') return { quarantined: false };
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(SandboxQuarantineEntity)
        .values({
          orgId: principal.orgId,
          server: report.server,
          profileId: profile.id,
          kind: report.kind,
          detail: report.detail,
        })
        .orIgnore()
        .returning(['server'])
        .execute();
      if (inserted.raw instanceof Array && inserted.raw.length > 0) {
        await this.publish(manager, principal, meta, SandboxEventType.ServerQuarantined, report.server, {
          server: report.server,
          kind: report.kind,
          profileId: profile.id,
        });
      }
      return { quarantined: true };
    });
    sandboxViolationsTotal.inc({ kind: report.kind });
    return {
      eventType: SandboxEventType.ViolationReported,
      quarantined: outcome.quarantined,
      profileId: profile?.id ?? null,
    };
  }

  listQuarantines(principal: Principal, limit: number): Promise<SandboxQuarantineEntity[]> {
    return this.dataSource
      .getRepository(SandboxQuarantineEntity)
      .find({ where: { orgId: principal.orgId }, order: { createdAt: 'ASC', server: 'ASC' }, take: limit });
  }

  async releaseQuarantine(principal: Principal, meta: RequestMeta, server: string): Promise<void> {
    await this.change(principal.orgId, async (manager) => {
      const repository = manager.getRepository(SandboxQuarantineEntity);
      const existing = await repository.findOneBy({ orgId: principal.orgId, server });
      if (existing === null) throw new DomainError(ErrorCode.NotFound, 'This server is not quarantined');
      await repository.delete({ orgId: principal.orgId, server });
      await this.publish(manager, principal, meta, SandboxEventType.QuarantineReleased, server, {
        server,
        kind: existing.kind,
        since: existing.createdAt.toISOString(),
      });
    });
  }

  private async change<T>(orgId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext('mandate.sandbox:' || $1))`, [orgId]);
        return work(manager);
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DomainError(ErrorCode.Conflict, 'A sandbox profile with this name already exists', {
          field: 'name',
        });
      }
      throw error;
    } finally {
      this.directory.invalidate(orgId);
    }
  }

  /** A server has at most one profile, and an organisation at most one default profile. */
  private async assertAssignable(manager: EntityManager, profile: SandboxProfileEntity): Promise<void> {
    if (profile.servers.length > 0) {
      const taken = await manager
        .getRepository(SandboxProfileEntity)
        .createQueryBuilder('p')
        .select(['p.name', 'p.servers'])
        .where('p.org_id = :orgId AND p.id <> :id AND p.servers && CAST(:servers AS text[])', {
          orgId: profile.orgId,
          id: profile.id,
          servers: profile.servers,
        })
        .getOne();
      if (taken !== null) {
        const clash = profile.servers.filter((s) => taken.servers.includes(s));
        throw new DomainError(
          ErrorCode.Conflict,
          `Server(s) ${clash.join(', ')} already use profile ${taken.name}`,
          {
            field: 'servers',
            servers: clash,
          },
        );
      }
    }
    if (profile.isDefault) {
      const other = await manager
        .getRepository(SandboxProfileEntity)
        .createQueryBuilder('p')
        .where('p.org_id = :orgId AND p.id <> :id AND p.is_default', { orgId: profile.orgId, id: profile.id })
        .getOne();
      if (other !== null) {
        throw new DomainError(ErrorCode.Conflict, `Profile ${other.name} is already the default`, {
          field: 'isDefault',
        });
      }
    }
  }

  private async publish(
    manager: EntityManager,
    principal: Principal,
    meta: RequestMeta,
    type: SandboxEventType,
    subjectId: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    const subjectType = type.startsWith('sandbox.profile') ? 'sandbox_profile' : 'mcp_server';
    await this.publisher.publish(manager, {
      type,
      orgId: principal.orgId,
      actor: actorOf(principal),
      subject: { type: subjectType, id: subjectId },
      data,
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }
}

function validSpec(input: Record<string, unknown>): SandboxProfileSpec {
  if (JSON.stringify(input).length > SANDBOX_LIMITS.specBytes) {
    throw new DomainError(
      ErrorCode.PayloadTooLarge,
      `A profile spec is at most ${SANDBOX_LIMITS.specBytes} bytes`,
    );
  }
  const parsed = parseSandboxProfileSpec(input);
  if (!parsed.ok) {
    throw new DomainError(ErrorCode.ValidationFailed, 'The sandbox profile spec is invalid', {
      field: 'spec',
      issues: parsed.issues,
    });
  }
  return parsed.spec;
}

function uniqueServers(servers: string[]): string[] {
  return [...new Set(servers)].sort();
}

/** What the audit log keeps of a profile: literal env values are withheld (they may be credentials). */
function snapshot(profile: SandboxProfileEntity): Record<string, unknown> {
  const spec = profile.spec as { env?: { set?: Record<string, string> } };
  const env = spec.env ?? {};
  return {
    name: profile.name,
    description: profile.description,
    digest: profile.digest,
    revision: profile.revision,
    servers: profile.servers,
    isDefault: profile.isDefault,
    onViolation: profile.onViolation,
    spec: { ...profile.spec, env: { ...env, set: Object.keys(env.set ?? {}) } },
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'driverError' in error &&
    (error as { driverError?: { code?: string } }).driverError?.code === '23505'
  );
}
