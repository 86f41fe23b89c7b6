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
import { AuditMasterKey } from '@mandate/audit';
import { DomainError, ErrorCode } from '@mandate/common';
import { calculateJwkThumbprint } from 'jose';
import { DataSource, type EntityManager } from 'typeorm';

/** Algorithm of bundle signatures: ECDSA P-256 with SHA-256, which OPA agents verify. */
export const BUNDLE_SIGNING_ALG = 'ES256';

/** A bundle verification key as published (RFC 7517 JWK; `kid` = RFC 7638 thumbprint). */
export interface BundlePublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: typeof BUNDLE_SIGNING_ALG;
  use: 'sig';
  /** The same key as a PEM (SPKI) block, for OPA's `keys` configuration. Not a JWK member; ignored by JWK readers. */
  pem: string;
  createdAt: string;
  retiredAt: string | null;
}

/** The active private key of an organisation. */
export interface BundleSigningKey {
  kid: string;
  privateKey: KeyObject;
}

interface KeyRow {
  key_id: string;
  public_jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  private_key_enc: Buffer;
  created_at: Date;
  retired_at: Date | null;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Retired keys kept in the JWKS (so gateways verify bundles signed just before a rotation). */
export const MAX_PUBLISHED_KEYS = 10;

/**
 * One ES256 bundle-signing key per organisation, generated on first use and rotated on request. The
 * private key (PKCS#8 DER) is stored encrypted with AES-256-GCM under the master key (`iv ‖ tag ‖
 * ciphertext`), with the organisation and key id as additional data so a ciphertext cannot be moved to
 * another row. A rotation retires the active key (it stays published) and makes a new one.
 */
@Injectable()
export class BundleSigningKeys {
  private readonly cache = new Map<string, BundleSigningKey>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly masterKey: AuditMasterKey,
  ) {}

  /** The organisation's active key, generating it on first use. Throws 409 when no master key is set. */
  async signingKey(orgId: string): Promise<BundleSigningKey> {
    const cached = this.cache.get(orgId);
    if (cached) {
      // Another replica may have rotated: the active row is the truth (one indexed read).
      const active = await this.activeKeyId(orgId);
      if (active === cached.kid) return cached;
      this.cache.delete(orgId);
    }
    const master = this.requireMaster();
    let row = await this.activeRow(this.dataSource.manager, orgId);
    if (!row) {
      await this.insertKey(this.dataSource.manager, orgId, master);
      row = await this.activeRow(this.dataSource.manager, orgId);
      if (!row) throw new Error(`no active bundle signing key for ${orgId}`);
    }
    const key = { kid: row.key_id, privateKey: this.open(master, orgId, row) };
    this.cache.set(orgId, key);
    return key;
  }

  /** The active key id without decrypting anything (null before the first bundle). */
  async activeKeyId(orgId: string): Promise<string | null> {
    const rows = await this.dataSource.query<Array<{ key_id: string }>>(
      `SELECT key_id FROM policy_bundle_keys WHERE org_id = $1 AND retired_at IS NULL`,
      [orgId],
    );
    return rows[0]?.key_id ?? null;
  }

  /**
   * Retires the active key (if any) and makes a new one, in one transaction; `inTransaction` runs in it
   * (the domain event). Returns the new key id and the retired one.
   */
  async rotate(
    orgId: string,
    inTransaction: (
      manager: EntityManager,
      rotated: { kid: string; retired: string | null },
    ) => Promise<void>,
  ): Promise<{ kid: string; retired: string | null }> {
    const master = this.requireMaster();
    const result = await this.dataSource.transaction(async (manager) => {
      // Serialise rotations of one organisation (and first-use creation racing them).
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('mandate.bundle-keys:' || $1))`, [orgId]);
      const retired = await manager.query<Array<{ key_id: string }>>(
        `WITH retired AS (UPDATE policy_bundle_keys SET retired_at = now()
          WHERE org_id = $1 AND retired_at IS NULL RETURNING key_id) SELECT key_id FROM retired`,
        [orgId],
      );
      const kid = await this.insertKey(manager, orgId, master, false);
      const rotated = { kid, retired: retired[0]?.key_id ?? null };
      await inTransaction(manager, rotated);
      return rotated;
    });
    this.cache.delete(orgId);
    return result;
  }

  /** The organisation's published keys, newest first (the active one, then up to 9 retired ones). */
  async publicKeys(orgId: string): Promise<BundlePublicJwk[]> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT key_id, public_jwk, created_at, retired_at FROM policy_bundle_keys WHERE org_id = $1
        ORDER BY (retired_at IS NULL) DESC, created_at DESC, key_id LIMIT $2`,
      [orgId, MAX_PUBLISHED_KEYS],
    );
    return rows.map((row) => {
      const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: row.public_jwk.x, y: row.public_jwk.y };
      const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' });
      return {
        ...jwk,
        kid: row.key_id,
        alg: BUNDLE_SIGNING_ALG,
        use: 'sig' as const,
        pem: pem.toString(),
        createdAt: new Date(row.created_at).toISOString(),
        retiredAt: row.retired_at ? new Date(row.retired_at).toISOString() : null,
      };
    });
  }

  private requireMaster(): Buffer {
    const master = this.masterKey.get();
    if (!master) {
      throw new DomainError(
        ErrorCode.Conflict,
        'Bundle signing is unavailable: set MANDATE_MASTER_KEY (base64 of 32 random bytes) so bundles can be signed',
        { reason: 'master_key_missing' },
      );
    }
    return master;
  }

  /**
   * Inserts a new active key. On first use (`tolerateRace`) a concurrent insert by another replica wins
   * silently; in a rotation (under the advisory lock, after retiring) a conflict is an error.
   */
  private async insertKey(
    manager: EntityManager,
    orgId: string,
    master: Buffer,
    tolerateRace = true,
  ): Promise<string> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const publicJwk = { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) };
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    await manager.query(
      `INSERT INTO policy_bundle_keys (org_id, key_id, public_jwk, private_key_enc)
       VALUES ($1, $2, $3::jsonb, $4) ${tolerateRace ? 'ON CONFLICT DO NOTHING' : ''}`,
      [orgId, kid, JSON.stringify(publicJwk), seal(master, der, aad(orgId, kid))],
    );
    return kid;
  }

  private async activeRow(manager: EntityManager, orgId: string): Promise<KeyRow | undefined> {
    const rows = await manager.query<KeyRow[]>(
      `SELECT key_id, public_jwk, private_key_enc, created_at, retired_at FROM policy_bundle_keys
        WHERE org_id = $1 AND retired_at IS NULL`,
      [orgId],
    );
    return rows[0];
  }

  private open(master: Buffer, orgId: string, row: KeyRow): KeyObject {
    const privateKey = createPrivateKey({
      key: unseal(master, row.private_key_enc, aad(orgId, row.key_id)),
      format: 'der',
      type: 'pkcs8',
    });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    if (jwk.x !== row.public_jwk.x || jwk.y !== row.public_jwk.y) {
      throw new Error(`bundle signing key ${row.key_id} does not match its public key`);
    }
    return privateKey;
  }
}

function aad(orgId: string, kid: string): Buffer {
  return Buffer.from(`mandate.policy.bundle-key/v1:${orgId}:${kid}`, 'utf8');
}

function seal(master: Buffer, plaintext: Buffer, additionalData: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master, iv);
  cipher.setAAD(additionalData);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function unseal(master: Buffer, sealed: Buffer, additionalData: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted bundle key is truncated');
  const decipher = createDecipheriv('aes-256-gcm', master, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(additionalData);
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
