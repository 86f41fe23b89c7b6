import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per organisation, a counter bumped in the transaction of every change to its grants (create, revoke,
 * delegate, template edit). Replicas compare it with the version their in-memory index was loaded at.
 */
@Entity({ name: 'grant_heads' })
export class GrantHeadEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'pk_grant_heads' })
  orgId!: string;

  @Column({ type: 'bigint', default: 0 })
  version!: string;
}
