import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** Keys that sign member access tokens. Generated at first start; never a default key in code. */
@Entity({ name: 'identity_signing_keys' })
@Index('uq_identity_signing_keys_active', ['active'], { unique: true, where: 'active' })
export class SigningKeyEntity {
  /** JWT `kid`. */
  @PrimaryColumn({ type: 'text' })
  kid!: string;

  @Column({ type: 'text' })
  alg!: string;

  /** Private key as a JWK (JSON). */
  @Column({ name: 'private_jwk', type: 'jsonb' })
  privateJwk!: Record<string, unknown>;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: Record<string, unknown>;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
