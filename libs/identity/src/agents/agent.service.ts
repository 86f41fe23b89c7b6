import { randomUUID } from 'node:crypto';
import { keysetPage } from '@mandate/db';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, type Page } from '@mandate/common';
import { DataSource, type EntityManager } from 'typeorm';
import { actorOf, type Principal } from '../access/principal';
import { MemberEntity } from '../members/member.entity';
import { isForeignKeyViolation, isUniqueViolation } from '../shared/database-errors';
import { IdentityEventType } from '../shared/identity-event-type';
import { IdentityEvents } from '../shared/identity-events';
import { AgentEntity } from './agent.entity';

export interface NewAgent {
  name: string;
  description?: string;
  ownerId?: string;
  labels?: Record<string, string>;
  trustLevel?: number;
  enabled?: boolean;
}

export type AgentChanges = Partial<NewAgent>;

const conflict = () =>
  new DomainError(ErrorCode.Conflict, 'An agent with this name already exists', { field: 'name' });

/** Agents (non-human identities) of the caller's organisation. */
@Injectable()
export class AgentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: IdentityEvents,
  ) {}

  list(principal: Principal, limit: number, cursor?: string): Promise<Page<AgentEntity>> {
    const query = this.dataSource
      .getRepository(AgentEntity)
      .createQueryBuilder('a')
      .where('a.org_id = :orgId', { orgId: principal.orgId });
    return keysetPage(query, 'a', limit, cursor);
  }

  get(principal: Principal, id: string): Promise<AgentEntity> {
    return this.find(this.dataSource.manager, principal.orgId, id);
  }

  /** Resolves an agent by name for the decision pipeline; null when the organisation has none by that name. */
  findByName(orgId: string, name: string): Promise<AgentEntity | null> {
    return this.dataSource.getRepository(AgentEntity).findOneBy({ orgId, name });
  }

  async create(principal: Principal, input: NewAgent): Promise<AgentEntity> {
    const ownerId = input.ownerId ?? principal.memberId;
    if (ownerId === null) {
      throw new DomainError(
        ErrorCode.ValidationFailed,
        'ownerId is required when an API key creates an agent',
        {
          field: 'ownerId',
        },
      );
    }
    return this.dataSource.transaction(async (manager) => {
      await this.assertOwnerInOrg(manager, principal.orgId, ownerId);
      const repository = manager.getRepository(AgentEntity);
      const agent = repository.create({
        id: randomUUID(),
        orgId: principal.orgId,
        name: input.name,
        description: input.description ?? null,
        ownerMemberId: ownerId,
        labels: input.labels ?? {},
        trustLevel: input.trustLevel ?? 0,
        enabled: input.enabled ?? true,
      });
      try {
        await repository.save(agent);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict();
        throw error;
      }
      await this.events.publish(manager, {
        type: IdentityEventType.AgentCreated,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'agent', id: agent.id },
        data: { after: snapshot(agent) },
      });
      return agent;
    });
  }

  async update(principal: Principal, id: string, changes: AgentChanges): Promise<AgentEntity> {
    return this.dataSource.transaction(async (manager) => {
      const agent = await this.find(manager, principal.orgId, id, true);
      const before = snapshot(agent);
      if (changes.ownerId !== undefined) {
        await this.assertOwnerInOrg(manager, principal.orgId, changes.ownerId);
        agent.ownerMemberId = changes.ownerId;
      }
      if (changes.name !== undefined) agent.name = changes.name;
      if (changes.description !== undefined) agent.description = changes.description;
      if (changes.labels !== undefined) agent.labels = changes.labels;
      if (changes.trustLevel !== undefined) agent.trustLevel = changes.trustLevel;
      if (changes.enabled !== undefined) agent.enabled = changes.enabled;
      try {
        await manager.getRepository(AgentEntity).save(agent);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict();
        throw error;
      }
      await this.events.publish(manager, {
        type: IdentityEventType.AgentUpdated,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'agent', id: agent.id },
        data: { before, after: snapshot(agent) },
      });
      return agent;
    });
  }

  async delete(principal: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const agent = await this.find(manager, principal.orgId, id, true);
      try {
        await manager.getRepository(AgentEntity).delete({ orgId: principal.orgId, id });
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new DomainError(
            ErrorCode.Conflict,
            'This agent is still referenced (grants, approvals…); disable it instead',
          );
        }
        throw error;
      }
      await this.events.publish(manager, {
        type: IdentityEventType.AgentDeleted,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'agent', id },
        data: { before: snapshot(agent) },
      });
    });
  }

  private async find(
    manager: EntityManager,
    orgId: string,
    id: string,
    forUpdate = false,
  ): Promise<AgentEntity> {
    const query = manager
      .getRepository(AgentEntity)
      .createQueryBuilder('a')
      .where('a.org_id = :orgId AND a.id = :id', { orgId, id });
    if (forUpdate) query.setLock('pessimistic_write');
    const agent = await query.getOne();
    if (agent === null) throw new DomainError(ErrorCode.NotFound, 'Agent not found');
    return agent;
  }

  private async assertOwnerInOrg(manager: EntityManager, orgId: string, ownerId: string): Promise<void> {
    const exists = await manager.getRepository(MemberEntity).existsBy({ orgId, id: ownerId });
    if (!exists) {
      throw new DomainError(ErrorCode.ValidationFailed, 'ownerId is not a member of this organisation', {
        field: 'ownerId',
      });
    }
  }
}

function snapshot(agent: AgentEntity): Record<string, unknown> {
  return {
    name: agent.name,
    description: agent.description,
    ownerId: agent.ownerMemberId,
    labels: agent.labels,
    trustLevel: agent.trustLevel,
    enabled: agent.enabled,
  };
}
