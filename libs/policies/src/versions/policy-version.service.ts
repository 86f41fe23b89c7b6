import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, decodeCursor, encodeCursor, type Page } from '@mandate/common';
import { actorOf, type Principal } from '@mandate/identity';
import { DataSource, type EntityManager } from 'typeorm';
import { DECISION_ENTRYPOINT } from '../compile/policy-limits';
import { fileDigests, sha256Hex } from '../shared/file-digests';
import { PolicyEventType } from '../shared/policy-event-type';
import { PolicyEvents } from '../shared/policy-events';
import type { RequestMeta } from '../shared/request-meta';
import { PolicyDraftEntity } from '../store/policy-draft.entity';
import { lockPolicyHead } from '../store/policy-head.lock';
import { PolicyVersionEntity } from '../store/policy-version.entity';
import { diffPolicyFiles, type PolicyFileDiff } from './policy-diff';

export interface NewPolicyVersion {
  source: 'rego' | 'bundle';
  files: Record<string, string>;
  wasm: Uint8Array;
  message: string | null;
  /** Extra facts for the event (e.g. the bundle's manifest revision). */
  eventData?: Record<string, unknown>;
}

export interface PolicyVersionDiff {
  from: PolicyVersionEntity;
  to: PolicyVersionEntity;
  files: PolicyFileDiff[];
}

const notFound = () => new DomainError(ErrorCode.NotFound, 'Policy version not found');

/** Immutable, numbered policy versions of an organisation. */
@Injectable()
export class PolicyVersionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: PolicyEvents,
  ) {}

  /** Snapshots the draft into a new version; refused (409) when the draft is missing or does not compile. */
  async createFromDraft(
    principal: Principal,
    message: string | null,
    meta: RequestMeta = {},
  ): Promise<PolicyVersionEntity> {
    return this.dataSource.transaction(async (manager) => {
      const draft = await manager
        .getRepository(PolicyDraftEntity)
        .createQueryBuilder('d')
        .addSelect('d.wasm')
        .where('d.org_id = :orgId', { orgId: principal.orgId })
        .setLock('pessimistic_write')
        .getOne();
      if (draft === null || Object.keys(draft.files).length === 0) {
        throw new DomainError(ErrorCode.Conflict, 'There is no draft to snapshot: save one first');
      }
      if (!draft.valid || draft.wasm === null) {
        throw new DomainError(ErrorCode.Conflict, 'The draft does not compile; fix its errors first', {
          errors: draft.errors,
        });
      }
      return this.insert(
        manager,
        principal,
        {
          source: 'rego',
          files: draft.files,
          wasm: draft.wasm,
          message,
        },
        meta,
      );
    });
  }

  /** Stores a version built elsewhere (already validated), e.g. from an uploaded bundle. */
  async createFromModule(
    principal: Principal,
    version: NewPolicyVersion,
    meta: RequestMeta = {},
  ): Promise<PolicyVersionEntity> {
    return this.dataSource.transaction((manager) => this.insert(manager, principal, version, meta));
  }

  async list(principal: Principal, limit: number, cursor?: string): Promise<Page<PolicyVersionEntity>> {
    const query = this.dataSource
      .getRepository(PolicyVersionEntity)
      .createQueryBuilder('v')
      .where('v.org_id = :orgId', { orgId: principal.orgId })
      .orderBy('v.number', 'ASC')
      .limit(limit + 1);
    if (cursor !== undefined) {
      const after = decodeCursor(cursor).n;
      if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) {
        throw new DomainError(ErrorCode.BadRequest, 'Invalid pagination cursor', { field: 'cursor' });
      }
      query.andWhere('v.number > :after', { after });
    }
    const rows = await query.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor({ n: last.number }) : null };
  }

  get(principal: Principal, id: string): Promise<PolicyVersionEntity> {
    return this.find(this.dataSource.manager, principal.orgId, id);
  }

  /** The version of this organisation with its compiled module, or 404. */
  async getWithWasm(manager: EntityManager, orgId: string, id: string): Promise<PolicyVersionEntity> {
    const version = await manager
      .getRepository(PolicyVersionEntity)
      .createQueryBuilder('v')
      .addSelect('v.wasm')
      .where('v.org_id = :orgId AND v.id = :id', { orgId, id })
      .getOne();
    if (version === null) throw notFound();
    return version;
  }

  /** Unified diff per file from `againstId` (older side) to `id` (newer side). */
  async diff(principal: Principal, id: string, againstId: string): Promise<PolicyVersionDiff> {
    const [to, from] = await Promise.all([
      this.find(this.dataSource.manager, principal.orgId, id),
      this.find(this.dataSource.manager, principal.orgId, againstId),
    ]);
    const files = diffPolicyFiles(from.files, to.files, {
      older: `version ${from.number}`,
      newer: `version ${to.number}`,
    });
    return { from, to, files };
  }

  private async find(manager: EntityManager, orgId: string, id: string): Promise<PolicyVersionEntity> {
    const version = await manager.getRepository(PolicyVersionEntity).findOneBy({ orgId, id });
    if (version === null) throw notFound();
    return version;
  }

  private async insert(
    manager: EntityManager,
    principal: Principal,
    input: NewPolicyVersion,
    meta: RequestMeta,
  ): Promise<PolicyVersionEntity> {
    // The head row lock serialises numbering with other version creations and activations of the org.
    await lockPolicyHead(manager, principal.orgId);
    const [{ next }] = await manager.query<Array<{ next: number }>>(
      `SELECT COALESCE(MAX(number), 0) + 1 AS next FROM policy_versions WHERE org_id = $1`,
      [principal.orgId],
    );
    const actor = actorOf(principal);
    const wasm = Buffer.from(input.wasm);
    const repository = manager.getRepository(PolicyVersionEntity);
    const version = repository.create({
      id: randomUUID(),
      orgId: principal.orgId,
      number: next,
      source: input.source,
      files: input.files,
      wasm,
      wasmSha256: sha256Hex(wasm),
      wasmSize: wasm.length,
      entrypoint: DECISION_ENTRYPOINT,
      message: input.message,
      authorType: actor.type,
      authorId: actor.id,
    });
    await repository.insert(version);
    await this.events.publish(
      manager,
      principal,
      PolicyEventType.VersionCreated,
      { type: 'policy_version', id: version.id },
      {
        number: version.number,
        source: version.source,
        files: fileDigests(version.files),
        wasmSha256: version.wasmSha256,
        message: version.message,
        ...(input.eventData ?? {}),
      },
      meta,
    );
    return repository.findOneByOrFail({ id: version.id });
  }
}
