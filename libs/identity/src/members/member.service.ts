import { randomUUID } from 'node:crypto';
import { keysetPage } from '@mandate/db';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type Page } from '@mandate/common';
import { DataSource, type EntityManager } from 'typeorm';
import { actorOf, type Principal } from '../access/principal';
import type { Role } from '../access/role';
import { isUniqueViolation } from '../shared/database-errors';
import { IdentityEventType } from '../shared/identity-event-type';
import { IdentityEvents } from '../shared/identity-events';
import { AgentEntity } from '../agents/agent.entity';
import { MemberEntity } from './member.entity';
import { assertRoleChangeAllowed } from './member-rules';
import { PasswordHasher } from './password-hasher.service';

export interface NewMember {
  email: string;
  password: string;
  displayName?: string | null;
  roles: Role[];
}

export interface MemberChanges {
  email?: string;
  displayName?: string;
  roles?: Role[];
  disabled?: boolean;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Members of the caller's organisation. Every query is scoped by the caller's orgId. */
@Injectable()
export class MemberService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly passwords: PasswordHasher,
    private readonly events: IdentityEvents,
  ) {}

  list(principal: Principal, limit: number, cursor?: string): Promise<Page<MemberEntity>> {
    const query = this.dataSource
      .getRepository(MemberEntity)
      .createQueryBuilder('m')
      .where('m.org_id = :orgId', { orgId: principal.orgId });
    return keysetPage(query, 'm', limit, cursor);
  }

  async get(principal: Principal, id: string): Promise<MemberEntity> {
    return this.find(this.dataSource.manager, principal.orgId, id);
  }

  async create(principal: Principal, input: NewMember): Promise<MemberEntity> {
    const passwordHash = await this.passwords.hash(input.password);
    return this.dataSource.transaction(async (manager) => {
      await lockOrganisation(manager, principal.orgId);
      assertRoleChangeAllowed(principal.permissions, {
        current: [],
        next: input.roles,
        enabledOwnerIds: [],
        targetId: null,
        targetRemoved: false,
      });
      const member = await this.insert(manager, principal.orgId, { ...input, passwordHash });
      await this.events.publish(manager, {
        type: IdentityEventType.MemberCreated,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'member', id: member.id },
        data: { email: member.email, roles: member.roles },
      });
      return member;
    });
  }

  /** Inserts a member; used by create() and by organisation bootstrap (CLI init). */
  async insert(
    manager: EntityManager,
    orgId: string,
    input: Omit<NewMember, 'password'> & { passwordHash: string },
  ): Promise<MemberEntity> {
    const repository = manager.getRepository(MemberEntity);
    const member = repository.create({
      id: randomUUID(),
      orgId,
      email: normaliseEmail(input.email),
      displayName: input.displayName ?? null,
      passwordHash: input.passwordHash,
      roles: [...new Set(input.roles)],
      disabled: false,
      tokenVersion: 0,
    });
    try {
      return await repository.save(member);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DomainError(ErrorCode.Conflict, 'A member with this email already exists', {
          field: 'email',
        });
      }
      throw error;
    }
  }

  async update(principal: Principal, id: string, changes: MemberChanges): Promise<MemberEntity> {
    return this.dataSource.transaction(async (manager) => {
      await lockOrganisation(manager, principal.orgId);
      const member = await this.find(manager, principal.orgId, id);
      const nextRoles = changes.roles !== undefined ? [...new Set(changes.roles)] : member.roles;
      const nextDisabled = changes.disabled ?? member.disabled;
      const touchesOwnerAccount =
        member.roles.includes('owner') && (changes.email !== undefined || changes.disabled !== undefined);
      if (touchesOwnerAccount && !principal.permissions.has('org:ownership')) {
        throw new DomainError(ErrorCode.Forbidden, "Only an owner can change an owner's account");
      }
      assertRoleChangeAllowed(principal.permissions, {
        current: member.roles,
        next: nextRoles,
        enabledOwnerIds: await enabledOwnerIds(manager, principal.orgId),
        targetId: member.id,
        targetRemoved: nextDisabled,
      });
      const before = {
        email: member.email,
        displayName: member.displayName,
        roles: member.roles,
        disabled: member.disabled,
      };
      if (changes.email !== undefined) member.email = normaliseEmail(changes.email);
      if (changes.displayName !== undefined) member.displayName = changes.displayName;
      member.roles = nextRoles;
      member.disabled = nextDisabled;
      try {
        await manager.getRepository(MemberEntity).save(member);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new DomainError(ErrorCode.Conflict, 'A member with this email already exists', {
            field: 'email',
          });
        }
        throw error;
      }
      await this.events.publish(manager, {
        type: IdentityEventType.MemberUpdated,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'member', id: member.id },
        data: {
          before,
          after: {
            email: member.email,
            displayName: member.displayName,
            roles: member.roles,
            disabled: member.disabled,
          },
        },
      });
      return member;
    });
  }

  async delete(principal: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await lockOrganisation(manager, principal.orgId);
      const member = await this.find(manager, principal.orgId, id);
      assertRoleChangeAllowed(principal.permissions, {
        current: member.roles,
        next: [],
        enabledOwnerIds: await enabledOwnerIds(manager, principal.orgId),
        targetId: member.id,
        targetRemoved: true,
      });
      const ownedAgents = await manager
        .getRepository(AgentEntity)
        .countBy({ orgId: principal.orgId, ownerMemberId: id });
      if (ownedAgents > 0) {
        throw new DomainError(ErrorCode.Conflict, 'This member owns agents; give them another owner first', {
          agents: ownedAgents,
        });
      }
      await manager.getRepository(MemberEntity).delete({ orgId: principal.orgId, id });
      await this.events.publish(manager, {
        type: IdentityEventType.MemberDeleted,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'member', id },
        data: { email: member.email, roles: member.roles },
      });
    });
  }

  async changeOwnPassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    if (principal.kind !== 'member' || principal.memberId === null) {
      throw new DomainError(ErrorCode.Forbidden, 'Only a member can change their own password');
    }
    const memberId = principal.memberId;
    const member = await this.find(this.dataSource.manager, principal.orgId, memberId);
    if (!(await this.passwords.verify(member.passwordHash, currentPassword))) {
      throw new DomainError(ErrorCode.Forbidden, 'The current password is wrong', {
        field: 'currentPassword',
      });
    }
    if (currentPassword === newPassword) {
      throw new DomainError(ErrorCode.ValidationFailed, 'The new password must differ from the current one', {
        field: 'newPassword',
      });
    }
    const passwordHash = await this.passwords.hash(newPassword);
    await this.dataSource.transaction(async (manager) => {
      // Sessions opened with the old password end now; the caller logs in again with the new one.
      await manager
        .getRepository(MemberEntity)
        .update(
          { orgId: principal.orgId, id: memberId },
          { passwordHash, tokenVersion: () => 'token_version + 1' },
        );
      await this.events.publish(manager, {
        type: IdentityEventType.MemberPasswordChanged,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'member', id: memberId },
        data: {},
      });
    });
  }

  private async find(manager: EntityManager, orgId: string, id: string): Promise<MemberEntity> {
    const member = await manager.getRepository(MemberEntity).findOneBy({ orgId, id });
    if (member === null) throw new DomainError(ErrorCode.NotFound, 'Member not found');
    return member;
  }
}

/** Serialises membership changes of one organisation (guards the last-owner rule against races). */
export async function lockOrganisation(manager: EntityManager, orgId: string): Promise<void> {
  await manager.query('SELECT id FROM organisations WHERE id = $1 FOR UPDATE', [orgId]);
}

async function enabledOwnerIds(manager: EntityManager, orgId: string): Promise<string[]> {
  const rows = await manager.query<{ id: string }[]>(
    `SELECT id FROM members WHERE org_id = $1 AND disabled = false AND 'owner' = ANY(roles)`,
    [orgId],
  );
  return rows.map((row) => row.id);
}
