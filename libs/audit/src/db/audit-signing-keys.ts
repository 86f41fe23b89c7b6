import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { auditKeyId } from '../audit-keys';
import { AuditMasterKey } from './audit-master-key';
import { chainKeyOf } from './audit-db.constants';

/** A public signing key as served to verifiers (RFC 7517 JWK, `kid` = RFC 7638 thumbprint). */
export interface AuditPublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
  createdAt: string;
  retiredAt: string | null;
}

interface KeyRow {
  key_id: string;
  public_jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
  private_key_enc: Buffer;
  created_at: Date;
  retired_at: Date | null;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * One Ed25519 signing key per organisation (per chain), generated on first use. The private key (PKCS#8
 * DER) is stored encrypted with AES-256-GCM under the master key: `iv ‖ tag ‖ ciphertext`, with the chain
 * key and key id as additional data so a ciphertext cannot be moved to another organisation's row.
 */
@Injectable()
export class AuditSigningKeys {
  private readonly cache = new Map<string, { keyId: string; privateKey: KeyObject }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly masterKey: AuditMasterKey,
  ) {}

  /** The organisation's active private key, generating it on first use. Throws if signing is unavailable. */
  async signingKey(org: string | null): Promise<KeyObject> {
    const chainKey = chainKeyOf(org);
    const cached = this.cache.get(chainKey);
    if (cached) return cached.privateKey;
    const master = this.masterKey.require();
    let row = await this.activeRow(chainKey);
    if (!row) {
      const { privateKey } = generateKeyPairSync('ed25519');
      const keyId = auditKeyId(privateKey);
      const der = privateKey.export({ format: 'der', type: 'pkcs8' });
      const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
      await this.dataSource.query(
        `INSERT INTO audit_signing_keys (org_id, key_id, public_jwk, private_key_enc)
         VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT DO NOTHING`,
        [
          chainKey,
          keyId,
          JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }),
          encrypt(master, der, aad(chainKey, keyId)),
        ],
      );
      // Another process may have won the race: whichever row is active is the key.
      row = await this.activeRow(chainKey);
      if (!row) throw new Error(`no active audit signing key for ${chainKey}`);
    }
    const privateKey = createPrivateKey({
      key: decrypt(master, row.private_key_enc, aad(chainKey, row.key_id)),
      format: 'der',
      type: 'pkcs8',
    });
    if (auditKeyId(privateKey) !== row.key_id) throw new Error(`audit signing key ${row.key_id} is corrupt`);
    this.cache.set(chainKey, { keyId: row.key_id, privateKey });
    return privateKey;
  }

  /** Every public key of the organisation (active and retired), oldest first. */
  async publicKeys(org: string | null): Promise<AuditPublicJwk[]> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT key_id, public_jwk, created_at, retired_at FROM audit_signing_keys WHERE org_id = $1 ORDER BY created_at, key_id`,
      [chainKeyOf(org)],
    );
    return rows.map((row) => ({
      kty: 'OKP',
      crv: 'Ed25519',
      x: row.public_jwk.x,
      kid: row.key_id,
      alg: 'EdDSA',
      use: 'sig',
      createdAt: new Date(row.created_at).toISOString(),
      retiredAt: row.retired_at ? new Date(row.retired_at).toISOString() : null,
    }));
  }

  private async activeRow(chainKey: string): Promise<KeyRow | undefined> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT key_id, public_jwk, private_key_enc, created_at, retired_at FROM audit_signing_keys
        WHERE org_id = $1 AND retired_at IS NULL`,
      [chainKey],
    );
    return rows[0];
  }
}

function aad(chainKey: string, keyId: string): Buffer {
  return Buffer.from(`mandate.audit.signing-key/v1:${chainKey}:${keyId}`, 'utf8');
}

export function encrypt(master: Buffer, plaintext: Buffer, additionalData: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master, iv);
  cipher.setAAD(additionalData);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function decrypt(master: Buffer, sealed: Buffer, additionalData: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted audit key is truncated');
  const decipher = createDecipheriv('aes-256-gcm', master, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(additionalData);
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
