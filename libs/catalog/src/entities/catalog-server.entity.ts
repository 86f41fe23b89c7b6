import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An MCP server of an organisation's catalog, as named by its gateways. */
@Entity({ name: 'catalog_servers' })
@Index('uq_catalog_servers_org_name', ['orgId', 'name'], { unique: true })
@Index('ix_catalog_servers_org_created', ['orgId', 'createdAt'])
@Check('ck_catalog_servers_name', `char_length(name) BETWEEN 1 AND 256`)
export class CatalogServerEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_catalog_servers' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  url!: string | null;

  /** Approve tools of this server the first time they are seen (never a changed definition). */
  @Column({ name: 'trust_on_first_use', type: 'boolean', default: false })
  trustOnFirstUse!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
