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
import type { Role } from '../access/role';
import { OrganisationEntity } from '../organisations/organisation.entity';

@Entity({ name: 'members' })
@Index('ix_members_org_created', ['orgId', 'createdAt'])
@Check('ck_members_email', `email = lower(email) AND char_length(email) BETWEEN 3 AND 320`)
@Check('ck_members_roles', `roles <@ ARRAY['owner','admin','policy_author','approver','auditor']::text[]`)
@Index('uq_members_org_email', ['orgId', 'email'], { unique: true })
export class MemberEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @ManyToOne(() => OrganisationEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'fk_members_org' })
  organisation?: OrganisationEntity;

  /** Normalised: trimmed and lower-cased. */
  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName!: string | null;

  /** argon2id PHC string; never leaves the service layer. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles!: Role[];

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  /** Carried by access tokens; raising it (password change) invalidates every token issued before. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
