import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A server quarantined after a sandbox violation: every call to it is denied until an admin releases it. */
@Entity({ name: 'sandbox_quarantines' })
export class SandboxQuarantineEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'pk_sandbox_quarantines' })
  orgId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_sandbox_quarantines' })
  server!: string;

  @Column({ name: 'profile_id', type: 'uuid', nullable: true })
  profileId!: string | null;

  /** The violation kind that triggered the quarantine. */
  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  detail!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
