import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Ed25519 keys signing an organisation's grant tokens. The private key (PKCS#8 DER) is sealed with
 * AES-256-GCM under the master key. One active key per organisation (`retired_at IS NULL`); a retired key
 * still verifies tokens until `verify_until`.
 */
@Entity({ name: 'grant_signing_keys' })
@Index('ix_grant_signing_keys_org', ['orgId', 'createdAt'])
@Index('uq_grant_signing_keys_active', ['orgId'], { unique: true, where: 'retired_at IS NULL' })
export class GrantSigningKeyEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_grant_signing_keys' })
  kid!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: { kty: string; crv: string; x: string };

  @Column({ name: 'private_key_enc', type: 'bytea' })
  privateKeyEnc!: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;

  @Column({ name: 'verify_until', type: 'timestamptz', nullable: true })
  verifyUntil!: Date | null;
}
