import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SYSTEM_ACTOR, actorOf, type Principal } from '../access/principal';
import { ApiKeyService } from '../api-keys/api-key.service';
import { MemberService } from '../members/member.service';
import { PasswordHasher } from '../members/password-hasher.service';
import { isUniqueViolation } from '../shared/database-errors';
import { IdentityEventType } from '../shared/identity-event-type';
import { IdentityEvents } from '../shared/identity-events';
import { OrganisationEntity } from './organisation.entity';
import { SLUG_PATTERN, slugify } from './slug';

export interface OrganisationChanges {
  name?: string;
  slug?: string;
}

export interface BootstrapResult {
  org: { id: string; name: string; slug: string };
  owner: { id: string; email: string; password: string };
  apiKey: { id: string; key: string; role: string; scopes: string[] };
}

@Injectable()
export class OrganisationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly members: MemberService,
    private readonly apiKeys: ApiKeyService,
    private readonly passwords: PasswordHasher,
    private readonly events: IdentityEvents,
  ) {}

  async get(principal: Principal): Promise<OrganisationEntity> {
    const org = await this.dataSource.getRepository(OrganisationEntity).findOneBy({ id: principal.orgId });
    if (org === null) throw new DomainError(ErrorCode.NotFound, 'Organisation not found');
    return org;
  }

  async update(principal: Principal, changes: OrganisationChanges): Promise<OrganisationEntity> {
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(OrganisationEntity);
      const org = await repository
        .createQueryBuilder('o')
        .where('o.id = :id', { id: principal.orgId })
        .setLock('pessimistic_write')
        .getOne();
      if (org === null) throw new DomainError(ErrorCode.NotFound, 'Organisation not found');
      const before = { name: org.name, slug: org.slug };
      if (changes.name !== undefined) org.name = changes.name.trim();
      if (changes.slug !== undefined) org.slug = changes.slug;
      try {
        await repository.save(org);
      } catch (error) {
        if (isUniqueViolation(error))
          throw new DomainError(ErrorCode.Conflict, 'Another organisation already uses this name or slug');
        throw error;
      }
      await this.events.publish(manager, {
        type: IdentityEventType.OrgUpdated,
        orgId: org.id,
        actor: actorOf(principal),
        subject: { type: 'organisation', id: org.id },
        data: { before, after: { name: org.name, slug: org.slug } },
      });
      return org;
    });
  }

  /**
   * Creates an organisation, its first owner (with a generated password) and an admin API key, in one
   * transaction. Refuses when an organisation with that name or slug exists.
   */
  async bootstrap(input: { name: string; slug?: string; ownerEmail: string }): Promise<BootstrapResult> {
    const name = input.name.trim();
    const slug = input.slug ?? slugify(name);
    if (name.length === 0 || name.length > 200) {
      throw new DomainError(ErrorCode.ValidationFailed, 'The organisation name must be 1-200 characters', {
        field: 'name',
      });
    }
    if (!SLUG_PATTERN.test(slug)) {
      throw new DomainError(
        ErrorCode.ValidationFailed,
        `Cannot derive a valid slug from "${name}"; pass one explicitly`,
        {
          field: 'slug',
        },
      );
    }
    const password = randomBytes(18).toString('base64url');
    const passwordHash = await this.passwords.hash(password);
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(OrganisationEntity);
      const existing = await repository
        .createQueryBuilder('o')
        .where('o.name = :name OR o.slug = :slug', { name, slug })
        .getOne();
      if (existing !== null) {
        throw new DomainError(
          ErrorCode.Conflict,
          `An organisation named "${existing.name}" (slug "${existing.slug}") already exists`,
        );
      }
      const org = repository.create({ id: randomUUID(), name, slug });
      try {
        await repository.save(org);
      } catch (error) {
        if (isUniqueViolation(error))
          throw new DomainError(ErrorCode.Conflict, 'An organisation with this name or slug already exists');
        throw error;
      }
      await this.events.publish(manager, {
        type: IdentityEventType.OrgCreated,
        orgId: org.id,
        actor: SYSTEM_ACTOR,
        subject: { type: 'organisation', id: org.id },
        data: { name: org.name, slug: org.slug },
      });
      const owner = await this.members.insert(manager, org.id, {
        email: input.ownerEmail,
        passwordHash,
        roles: ['owner'],
      });
      await this.events.publish(manager, {
        type: IdentityEventType.MemberCreated,
        orgId: org.id,
        actor: SYSTEM_ACTOR,
        subject: { type: 'member', id: owner.id },
        data: { email: owner.email, roles: owner.roles },
      });
      const { entity, key } = await this.apiKeys.insert(manager, org.id, null, {
        name: 'bootstrap admin key',
        scopes: ['admin'],
        role: 'admin',
      });
      return {
        org: { id: org.id, name: org.name, slug: org.slug },
        owner: { id: owner.id, email: owner.email, password },
        apiKey: { id: entity.id, key, role: 'admin', scopes: [...entity.scopes] },
      };
    });
  }
}
