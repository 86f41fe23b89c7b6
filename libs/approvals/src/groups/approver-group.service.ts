import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { DomainEventPublisher } from '@mandate/events';
import { actorOf, type Principal } from '@mandate/identity';
import { DataSource, type EntityManager } from 'typeorm';
import { ApprovalEventType, rowsOf } from '../shared/approval-events';
import { ApproverGroupEntity } from './approver-group.entity';

export const MAX_GROUPS = 200;
export const MAX_GROUP_MEMBERS = 500;

export interface ApproverGroup {
  group: ApproverGroupEntity;
  memberIds: string[];
}

/** Approver groups of an organisation; members are identity members referenced by id. */
@Injectable()
export class ApproverGroupService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: DomainEventPublisher,
  ) {}

  async list(principal: Principal): Promise<ApproverGroup[]> {
    const groups = await this.dataSource
      .getRepository(ApproverGroupEntity)
      .find({ where: { orgId: principal.orgId }, order: { name: 'ASC' }, take: MAX_GROUPS });
    return Promise.all(
      groups.map(async (group) => ({
        group,
        memberIds: await this.membersOf(this.dataSource.manager, group.id),
      })),
    );
  }

  async create(
    principal: Principal,
    name: string,
    description: string | null,
    memberIds: string[],
  ): Promise<ApproverGroup> {
    return this.dataSource.transaction(async (manager) => {
      const id = randomUUID();
      const inserted = await manager.query<unknown[]>(
        `INSERT INTO approver_groups (id, org_id, name, description) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, name) DO NOTHING RETURNING id`,
        [id, principal.orgId, name, description],
      );
      if (inserted.length === 0)
        throw new DomainError(ErrorCode.Conflict, `An approver group named ${name} exists`);
      await this.replaceMembers(manager, principal.orgId, id, memberIds);
      await this.events.publish(manager, {
        type: ApprovalEventType.GroupCreated,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'approver_group', id },
        data: { name, memberIds },
      });
      const group = await manager.getRepository(ApproverGroupEntity).findOneByOrFail({ id });
      return { group, memberIds: await this.membersOf(manager, id) };
    });
  }

  async setMembers(principal: Principal, id: string, memberIds: string[]): Promise<ApproverGroup> {
    return this.dataSource.transaction(async (manager) => {
      const group = await manager
        .getRepository(ApproverGroupEntity)
        .createQueryBuilder('g')
        .setLock('pessimistic_write')
        .where('g.id = :id AND g.org_id = :orgId', { id, orgId: principal.orgId })
        .getOne();
      if (!group) throw new DomainError(ErrorCode.NotFound, 'No such approver group');
      await this.replaceMembers(manager, principal.orgId, id, memberIds);
      await this.events.publish(manager, {
        type: ApprovalEventType.GroupMembersSet,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'approver_group', id },
        data: { name: group.name, memberIds },
      });
      return { group, memberIds: await this.membersOf(manager, id) };
    });
  }

  async delete(principal: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const rows = rowsOf<{ name: string }>(
        await manager.query(`DELETE FROM approver_groups WHERE id = $1 AND org_id = $2 RETURNING name`, [
          id,
          principal.orgId,
        ]),
      );
      if (rows.length === 0) throw new DomainError(ErrorCode.NotFound, 'No such approver group');
      await this.events.publish(manager, {
        type: ApprovalEventType.GroupDeleted,
        orgId: principal.orgId,
        actor: actorOf(principal),
        subject: { type: 'approver_group', id },
        data: { name: rows[0].name },
      });
    });
  }

  private async replaceMembers(manager: EntityManager, orgId: string, groupId: string, memberIds: string[]) {
    const unique = [...new Set(memberIds)];
    if (unique.length > 0) {
      const found = await manager.query<Array<{ id: string }>>(
        `SELECT id FROM members WHERE org_id = $1 AND id = ANY($2::uuid[])`,
        [orgId, unique],
      );
      if (found.length !== unique.length) {
        const known = new Set(found.map((r) => r.id));
        throw new DomainError(ErrorCode.ValidationFailed, 'Unknown members in this organisation', {
          field: 'memberIds',
          unknown: unique.filter((m) => !known.has(m)),
        });
      }
    }
    await manager.query(`DELETE FROM approver_group_members WHERE group_id = $1`, [groupId]);
    if (unique.length > 0) {
      await manager.query(
        `INSERT INTO approver_group_members (group_id, member_id, org_id) SELECT $1, m, $2 FROM unnest($3::uuid[]) AS m`,
        [groupId, orgId, unique],
      );
    }
  }

  private async membersOf(manager: EntityManager, groupId: string): Promise<string[]> {
    const rows = await manager.query<Array<{ member_id: string }>>(
      `SELECT member_id FROM approver_group_members WHERE group_id = $1 ORDER BY created_at, member_id`,
      [groupId],
    );
    return rows.map((r) => r.member_id);
  }
}
