import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { DefinitionDiff, Finding } from '@mandate/gates';
import { CatalogServerEntity } from './catalog-server.entity';

export const TOOL_STATUSES = ['pending', 'approved', 'quarantined', 'blocked'] as const;
export type ToolStatus = (typeof TOOL_STATUSES)[number];

export const RISK_CLASSES = ['read', 'write', 'destructive', 'external'] as const;
export type RiskClass = (typeof RISK_CLASSES)[number];

/**
 * One tool of a catalog server (one row per server and tool name). `current_*` is the newest definition a
 * gateway presented; `approved_*` the one an admin approved (the pin). Pending: never approved; approved:
 * current = approved; quarantined: a definition different from the approved one was seen; blocked: an
 * admin refused the tool.
 */
@Entity({ name: 'catalog_tools' })
@Index('uq_catalog_tools_server_name', ['serverId', 'name'], { unique: true })
@Index('ix_catalog_tools_org_created', ['orgId', 'createdAt'])
@Check('ck_catalog_tools_status', `status IN ('pending','approved','quarantined','blocked')`)
@Check('ck_catalog_tools_risk', `risk IS NULL OR risk IN ('read','write','destructive','external')`)
@Check('ck_catalog_tools_name', `char_length(name) BETWEEN 1 AND 256`)
@Check('ck_catalog_tools_findings', `jsonb_typeof(findings) = 'array'`)
export class CatalogToolEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_catalog_tools' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ name: 'server_id', type: 'uuid' })
  serverId!: string;

  @ManyToOne(() => CatalogServerEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'server_id', foreignKeyConstraintName: 'fk_catalog_tools_server' })
  server?: CatalogServerEntity;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  status!: ToolStatus;

  /** The admin-owned risk class; null = unknown (treated as destructive by the baseline policy). */
  @Column({ type: 'text', nullable: true })
  risk!: RiskClass | null;

  @Column({ name: 'current_digest', type: 'text', nullable: true })
  currentDigest!: string | null;

  @Column({ name: 'current_definition', type: 'jsonb', nullable: true })
  currentDefinition!: Record<string, unknown> | null;

  @Column({ name: 'approved_digest', type: 'text', nullable: true })
  approvedDigest!: string | null;

  @Column({ name: 'approved_definition', type: 'jsonb', nullable: true })
  approvedDefinition!: Record<string, unknown> | null;

  /** Field-by-field diff of the current definition against the approved one (quarantined tools). */
  @Column({ type: 'jsonb', nullable: true })
  diff!: DefinitionDiff | null;

  /** Scanner findings of the current definition. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  findings!: Finding[];

  @Column({ name: 'approved_by_type', type: 'text', nullable: true })
  approvedByType!: string | null;

  @Column({ name: 'approved_by_id', type: 'text', nullable: true })
  approvedById!: string | null;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
