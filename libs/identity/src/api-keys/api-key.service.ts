import { randomUUID } from 'node:crypto';
import { keysetPage } from '@mandate/db';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type Page } from '@mandate/common';
import { DataSource, type EntityManager } from 'typeorm';
import { canGrantRoles, permissionsForRoles, type Permission } from '../access/permission';
import { actorOf, type Principal } from '../access/principal';
import type { Role } from '../access/role';
import { IdentityEventType } from '../shared/identity-event-type';
import { IdentityEvents } from '../shared/identity-events';
import { ApiKeyCache, type CachedApiKey } from './api-key-cache';
import { apiKeyMatches, generateApiKey, hashApiKey, parseApiKey } from './api-key-codec';
import type { ApiKeyScope } from './api-key-scope';
import { ApiKeyEntity } from './api-key.entity';

export interface NewApiKey {
  name: string;
  scopes: ApiKeyScope[];
  role?: Role;
  expiresAt?: Date;
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** Gateway and automation credentials. The secret is returned once by create() and never stored. */
@Injectable()
export class ApiKeyService {
  /** When each key's last_used_at was last written by this process (avoids a write per request). */
  private readonly lastUsedWrites = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: IdentityEvents,
    private readonly cache: ApiKeyCache,
  ) {}

  list(principal: Principal, limit: number, cursor?: string): Promise<Page<ApiKeyEntity>> {
    const query = this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .where('k.org_id = :orgId', { orgId: principal.orgId });
    return keysetPage(query, 'k', limit, cursor);
  }

  async get(principal: Principal, id: string): Promise<ApiKeyEntity> {
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ orgId: principal.orgId, id });
    if (key === null) throw new DomainError(ErrorCode.NotFound, 'API key not found');
    return key;
  }

  async create(
    principal: Principal,
    input: NewApiKey,
    now: Date = new Date(),
  ): Promise<{ entity: ApiKeyEntity; key: string }> {
    assertKeyAllowed(principal.permissions, input, now);
    return this.dataSource.transaction((manager) => this.insert(manager, principal.orgId, principal, input));
  }

  /** Inserts a key and publishes api_key.created; used by create() and organisation bootstrap. */
  async insert(
    manager: EntityManager,
    orgId: string,
    principal: Principal | null,
    input: NewApiKey,
  ): Promise<{ entity: ApiKeyEntity; key: string }> {
    const generated = generateApiKey();
    const repository = manager.getRepository(ApiKeyEntity);
    const entity = repository.create({
      id: randomUUID(),
      orgId,
      name: input.name,
      prefix: generated.prefix,
      keyHash: generated.hash,
      scopes: [...new Set(input.scopes)],
      role: input.scopes.includes('admin') ? (input.role ?? null) : null,
      createdBy: principal?.memberId ?? null,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
    });
    await repository.save(entity);
    await this.events.publish(manager, {
      type: IdentityEventType.ApiKeyCreated,
      orgId,
      actor: actorOf(principal),
      subject: { type: 'api_key', id: entity.id },
      data: {
        name: entity.name,
        prefix: entity.prefix,
        scopes: entity.scopes,
        role: entity.role,
        expiresAt: entity.expiresAt,
      },
    });
    return { entity, key: generated.plaintext };
  }

  async revoke(principal: Principal, id: string): Promise<ApiKeyEntity> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(ApiKeyEntity);
      const key = await repository
        .createQueryBuilder('k')
        .where('k.org_id = :orgId AND k.id = :id', { orgId: principal.orgId, id })
        .setLock('pessimistic_write')
        .getOne();
      if (key === null) throw new DomainError(ErrorCode.NotFound, 'API key not found');
      if (key.revokedAt !== null) return key;
      key.revokedAt = new Date();
      await repository.update({ id: key.id }, { revokedAt: key.revokedAt });
      await this.events.publish(manager, {
        type: IdentityEventType.ApiKeyRevoked,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'api_key', id: key.id },
        data: { name: key.name, prefix: key.prefix },
      });
      return key;
    });
    // Every replica drops the key on commit (a trigger NOTIFYs); this one also at once, even on an embedded
    // database that delivers no notifications.
    this.cache.forget(revoked.id);
    return revoked;
  }

  /**
   * Resolves a presented key to a Principal, or null when it is malformed, unknown, wrong, revoked or
   * expired. Keys are cached by the hash of the token (see ApiKeyCache: a revocation reaches every replica
   * through NOTIFY). Records last_used_at at most once a minute per key.
   */
  async authenticate(token: string, now: Date = new Date()): Promise<Principal | null> {
    const parsed = parseApiKey(token);
    if (parsed === null) return null;
    const hash = hashApiKey(parsed.plaintext);
    const key = await this.cache.get(hash, () => this.load(parsed.prefix, parsed.plaintext), now.getTime());
    if (key === null || key.revoked) return null;
    if (key.expiresAt !== null && key.expiresAt <= now.getTime()) return null;
    await this.touch(key, now);
    return key.principal;
  }

  /** The key a well-formed token names, when its secret matches. */
  private async load(prefix: string, plaintext: string): Promise<CachedApiKey | null> {
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ prefix });
    if (key === null || !apiKeyMatches(plaintext, key.keyHash)) return null;
    return {
      id: key.id,
      expiresAt: key.expiresAt?.getTime() ?? null,
      revoked: key.revokedAt !== null,
      lastUsedAt: key.lastUsedAt?.getTime() ?? null,
      principal: Object.freeze({
        kind: 'api_key',
        orgId: key.orgId,
        memberId: null,
        apiKeyId: key.id,
        email: null,
        roles: Object.freeze(key.role !== null ? [key.role] : []),
        permissions: keyPermissions(key),
      }),
    };
  }

  private async touch(key: CachedApiKey, now: Date): Promise<void> {
    const last = Math.max(key.lastUsedAt ?? 0, this.lastUsedWrites.get(key.id) ?? 0);
    if (now.getTime() - last < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWrites.set(key.id, now.getTime());
    if (this.lastUsedWrites.size > 10_000) this.lastUsedWrites.clear();
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [key.id, now],
    );
  }
}

/** What a key may do: `decisions:evaluate` for gateway keys, its role's permissions for admin keys. */
export function keyPermissions(key: Pick<ApiKeyEntity, 'scopes' | 'role'>): ReadonlySet<Permission> {
  const permissions = new Set<Permission>(['account:self']);
  if (key.scopes.includes('decisions:evaluate')) permissions.add('decisions:evaluate');
  if (key.scopes.includes('admin') && key.role !== null) {
    for (const permission of permissionsForRoles([key.role])) permissions.add(permission);
  }
  return permissions;
}

/** A caller can only mint keys that carry permissions they hold themselves. */
export function assertKeyAllowed(caller: ReadonlySet<Permission>, input: NewApiKey, now: Date): void {
  const isAdmin = input.scopes.includes('admin');
  if (isAdmin && input.role === undefined) {
    throw new DomainError(ErrorCode.ValidationFailed, 'An admin-scoped key needs a role', { field: 'role' });
  }
  if (!isAdmin && input.role !== undefined) {
    throw new DomainError(ErrorCode.ValidationFailed, 'role is only allowed with the admin scope', {
      field: 'role',
    });
  }
  if (input.expiresAt !== undefined && input.expiresAt.getTime() <= now.getTime()) {
    throw new DomainError(ErrorCode.ValidationFailed, 'expiresAt must be in the future', {
      field: 'expiresAt',
    });
  }
  const wanted = keyPermissions({ scopes: input.scopes, role: input.role ?? null });
  const missing = [...wanted].filter((permission) => !caller.has(permission));
  if (missing.length > 0 || (input.role !== undefined && !canGrantRoles(caller, [input.role]))) {
    throw new DomainError(ErrorCode.Forbidden, 'You cannot create a key with permissions you do not have', {
      missing,
    });
  }
}
