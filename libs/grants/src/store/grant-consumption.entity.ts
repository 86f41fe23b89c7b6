import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One use of a grant by an allowed decision (the budget ledger: `amount` is the budgeted argument's value,
 * null for a grant without budget). Written in the decision's recording transaction, under the grant's
 * row lock; the rolling-window sum of `amount` is the budget spent.
 */
@Entity({ name: 'grant_consumptions' })
@Index('ix_grant_consumptions_grant_time', ['grantId', 'consumedAt'])
export class GrantConsumptionEntity {
  @PrimaryColumn({ name: 'decision_id', type: 'uuid', primaryKeyConstraintName: 'pk_grant_consumptions' })
  decisionId!: string;

  @PrimaryColumn({ name: 'grant_id', type: 'uuid', primaryKeyConstraintName: 'pk_grant_consumptions' })
  grantId!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ name: 'consumed_at', type: 'timestamptz' })
  consumedAt!: Date;

  @Column({ type: 'numeric', nullable: true })
  amount!: string | null;
}
