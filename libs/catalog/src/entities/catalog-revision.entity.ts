import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The catalog revision of an organisation: bumped by every catalog change, in its transaction. Replicas
 * compare it with the revision of their cached copy (poll fallback of LISTEN/NOTIFY).
 */
@Entity({ name: 'catalog_revisions' })
export class CatalogRevisionEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'pk_catalog_revisions' })
  orgId!: string;

  @Column({ type: 'bigint', default: 0 })
  revision!: string;
}
