import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** Where an organisation's approval notifications go. The signing secret is stored encrypted. */
@Entity({ name: 'approval_webhooks' })
@Check('ck_approval_webhooks_format', `format IN ('mandate', 'slack')`)
@Index('ix_approval_webhooks_org', ['orgId'])
export class WebhookSubscriptionEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_approval_webhooks' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text' })
  format!: 'mandate' | 'slack';

  /** AES-256-GCM under the master key: base64(iv ‖ tag ‖ ciphertext). */
  @Column({ name: 'secret_encrypted', type: 'text' })
  secretEncrypted!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
