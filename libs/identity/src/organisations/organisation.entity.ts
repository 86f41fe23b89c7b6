import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'organisations' })
@Check('ck_organisations_name', `char_length(name) BETWEEN 1 AND 200`)
@Check('ck_organisations_slug', `slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'`)
export class OrganisationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('uq_organisations_name', { unique: true })
  @Column({ type: 'text' })
  name!: string;

  @Index('uq_organisations_slug', { unique: true })
  @Column({ type: 'text' })
  slug!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
