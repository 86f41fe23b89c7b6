import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditMasterKey } from '@mandate/audit';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
} from 'jose';
import { DataSource, type EntityManager } from 'typeorm';
import { grantTokenInvalid } from '../shared/grant-errors';
import { keyAad, seal, unseal } from './grant-key-seal';

export const GRANT_TOKEN_ISSUER = 'mandate:grants';
export const GRANT_TOKEN_AUDIENCE = 'mandate:gateway';
export const GRANT_TOKEN_TYPE = 'grant+jwt';
/** Longest lifetime of a grant token (shorter when the grant expires earlier). */
export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
/** A retired key keeps verifying for this long (every token it signed has expired by then). */
export const RETIRED_KEY_GRACE_SECONDS = MAX_TOKEN_TTL_SECONDS;
const KEY_CACHE_MS = 60_000;
const KID = /^[A-Za-z0-9_-]{16,64}$/;

export interface GrantTokenClaims {
  /** The grant the token carries. */
  grantId: string;
  orgId: string;
  /** The agent the grant names, or null for a label-selector grant. */
  agentId: string | null;
  expiresAt: Date;
}

export interface PublicGrantKey {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

interface KeyRow {
  kid: string;
  org_id: string;
  public_jwk: { kty: string; crv: string; x: string };
  private_key_enc: Buffer;
}

/**
 * Grant tokens: JWTs (EdDSA, Ed25519, `kid` in the header, `typ: grant+jwt`) naming a grant. Each
 * organisation has one active signing key, generated on first use and sealed under the master key;
 * rotation retires it (it still verifies until every token it signed has expired). Public keys are served
 * as a JWKS. A valid token only says which grant is presented: the decision path still checks revocation,
 * uses and budget in the database.
 */
@Injectable()
export class GrantTokenService {
  private readonly active = new Map<string, { at: number; key: Promise<{ kid: string; key: KeyObject }> }>();
  private readonly verifying = new Map<string, { at: number; key: Promise<CryptoKey | null> }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly masterKey: AuditMasterKey,
  ) {}

  async issue(
    claims: Omit<GrantTokenClaims, 'expiresAt'>,
    grantExpiresAt: Date | null,
    now = new Date(),
  ): Promise<{ token: string; expiresAt: Date; kid: string }> {
    const { kid, key } = await this.activeKey(claims.orgId);
    const issuedAt = Math.floor(now.getTime() / 1000);
    let exp = issuedAt + MAX_TOKEN_TTL_SECONDS;
    if (grantExpiresAt) exp = Math.min(exp, Math.ceil(grantExpiresAt.getTime() / 1000));
    const token = await new SignJWT({ org: claims.orgId, gid: claims.grantId, agt: claims.agentId })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: GRANT_TOKEN_TYPE })
      .setIssuer(GRANT_TOKEN_ISSUER)
      .setAudience(GRANT_TOKEN_AUDIENCE)
      .setSubject(claims.grantId)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(exp)
      .sign(key);
    return { token, expiresAt: new Date(exp * 1000), kid };
  }

  /** Verifies a token of `orgId`; throws `grant_token_invalid` (400) naming why. */
  async verify(orgId: string, token: string): Promise<GrantTokenClaims> {
    if (token.length > 4096) throw grantTokenInvalid('the token is too long');
    let kid: unknown;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== 'EdDSA' || header.typ !== GRANT_TOKEN_TYPE) throw new Error('wrong header');
      kid = header.kid;
    } catch {
      throw grantTokenInvalid('not a grant token');
    }
    if (typeof kid !== 'string' || !KID.test(kid)) throw grantTokenInvalid('unknown signing key');
    const key = await this.verificationKey(orgId, kid);
    if (!key) throw grantTokenInvalid('unknown or expired signing key');
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['EdDSA'],
        issuer: GRANT_TOKEN_ISSUER,
        audience: GRANT_TOKEN_AUDIENCE,
        typ: GRANT_TOKEN_TYPE,
        requiredClaims: ['exp', 'gid', 'org'],
      });
      if (payload.org !== orgId || typeof payload.gid !== 'string') throw new Error('wrong organisation');
      return {
        grantId: payload.gid,
        orgId,
        agentId: typeof payload.agt === 'string' ? payload.agt : null,
        expiresAt: new Date((payload.exp ?? 0) * 1000),
      };
    } catch (error) {
      const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw grantTokenInvalid(expired ? 'the token has expired' : 'the signature or claims are invalid');
    }
  }

  /** Retires the active key (kept for verification) and makes a new one, in the caller's transaction. */
  async rotate(manager: EntityManager, orgId: string): Promise<{ kid: string; retired: string[] }> {
    const retired = await manager.query<Array<{ kid: string }>>(
      `WITH r AS (UPDATE grant_signing_keys SET retired_at = now(), verify_until = now() + make_interval(secs => $2)
        WHERE org_id = $1 AND retired_at IS NULL RETURNING kid) SELECT kid FROM r`,
      [orgId, RETIRED_KEY_GRACE_SECONDS],
    );
    const kid = await this.insertKey(manager, orgId);
    this.active.delete(orgId);
    return { kid, retired: retired.map((r) => r.kid) };
  }

  /** The organisation's public keys that still verify tokens (JWKS `keys`). */
  async publicKeys(orgId: string): Promise<PublicGrantKey[]> {
    const rows = await this.dataSource.query<Array<{ kid: string; public_jwk: KeyRow['public_jwk'] }>>(
      `SELECT kid, public_jwk FROM grant_signing_keys
        WHERE org_id = $1 AND (verify_until IS NULL OR verify_until > now()) ORDER BY created_at DESC, kid`,
      [orgId],
    );
    return rows.map((r) => ({ ...r.public_jwk, kid: r.kid, alg: 'EdDSA', use: 'sig' }));
  }

  private activeKey(orgId: string): Promise<{ kid: string; key: KeyObject }> {
    const cached = this.active.get(orgId);
    if (cached && Date.now() - cached.at < KEY_CACHE_MS) return cached.key;
    const key = this.loadActive(orgId);
    this.active.set(orgId, { at: Date.now(), key });
    key.catch(() => this.active.delete(orgId));
    return key;
  }

  private async loadActive(orgId: string): Promise<{ kid: string; key: KeyObject }> {
    const master = this.masterKey.require();
    let rows = await this.activeRows(orgId);
    if (rows.length === 0) {
      await this.dataSource.transaction((manager) => this.insertKey(manager, orgId, true));
      rows = await this.activeRows(orgId);
    }
    const row = rows[0];
    if (!row) throw new Error(`no active grant signing key for ${orgId}`);
    const der = unseal(master, row.private_key_enc, keyAad(orgId, row.kid));
    return { kid: row.kid, key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
  }

  private activeRows(orgId: string): Promise<KeyRow[]> {
    return this.dataSource.query<KeyRow[]>(
      `SELECT kid, org_id, public_jwk, private_key_enc FROM grant_signing_keys WHERE org_id = $1 AND retired_at IS NULL`,
      [orgId],
    );
  }

  private async insertKey(manager: EntityManager, orgId: string, ifAbsent = false): Promise<string> {
    const master = this.masterKey.require();
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const publicJwk = { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! };
    const kid = await calculateJwkThumbprint(publicJwk);
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    await manager.query(
      `INSERT INTO grant_signing_keys (kid, org_id, public_jwk, private_key_enc, created_at)
       VALUES ($1, $2, $3::jsonb, $4, now()) ${ifAbsent ? 'ON CONFLICT DO NOTHING' : ''}`,
      [kid, orgId, JSON.stringify(publicJwk), seal(master, der, keyAad(orgId, kid))],
    );
    return kid;
  }

  private verificationKey(orgId: string, kid: string): Promise<CryptoKey | null> {
    const cacheKey = `${orgId}:${kid}`;
    const cached = this.verifying.get(cacheKey);
    if (cached && Date.now() - cached.at < KEY_CACHE_MS) return cached.key;
    const key = this.dataSource
      .query<Array<{ public_jwk: KeyRow['public_jwk'] }>>(
        `SELECT public_jwk FROM grant_signing_keys
          WHERE kid = $1 AND org_id = $2 AND (verify_until IS NULL OR verify_until > now())`,
        [kid, orgId],
      )
      .then(async (rows) => {
        const row = rows[0];
        if (!row) return null;
        return (await importJWK({ ...row.public_jwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey;
      });
    if (this.verifying.size > 10_000) this.verifying.clear();
    this.verifying.set(cacheKey, { at: Date.now(), key });
    key.catch(() => this.verifying.delete(cacheKey));
    return key;
  }
}
