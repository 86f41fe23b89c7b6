import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A named group of members who may review approval requests naming it (`require_approval.groups`). */
@Entity({ name: 'approver_groups' })
@Check('ck_approver_groups_name', `name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'`)
@Index('uq_approver_groups_org_name', ['orgId', 'name'], { unique: true })
export class ApproverGroupEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_approver_groups' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
