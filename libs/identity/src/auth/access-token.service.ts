import { Injectable } from '@nestjs/common';
import { AppConfig } from '@mandate/config';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  SignJWT,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from 'jose';
import { DataSource } from 'typeorm';
import { SigningKeyEntity } from './signing-key.entity';

const ALG = 'EdDSA';
const ISSUER = 'mandate';
const AUDIENCE = 'mandate-admin';
const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface IssuedAccessToken {
  token: string;
  expiresAt: Date;
}

export interface AccessTokenClaims {
  memberId: string;
  orgId: string;
  /** The member's token_version when the token was issued. */
  version: number;
}

/**
 * Issues and verifies member access tokens (JWT, EdDSA/Ed25519, `kid` in the header). The signing key
 * is generated at first start and stored in the database (never a default key); every replica loads
 * the same active key, and verification finds older keys by `kid`.
 */
@Injectable()
export class AccessTokenService {
  private signingKey: Promise<{ kid: string; key: CryptoKey }> | null = null;
  private readonly verificationKeys = new Map<string, Promise<CryptoKey | null>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async issue(claims: AccessTokenClaims, now: Date = new Date()): Promise<IssuedAccessToken> {
    const { kid, key } = await this.activeKey();
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAtSeconds = issuedAt + this.config.accessTokenTtlSeconds;
    const token = await new SignJWT({ org: claims.orgId, ver: claims.version })
      .setProtectedHeader({ alg: ALG, kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.memberId)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .sign(key);
    return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
  }

  /** Returns the claims of a valid, unexpired token, or null for anything else. Never throws. */
  async verify(token: string): Promise<AccessTokenClaims | null> {
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== ALG || typeof header.kid !== 'string' || !KID_PATTERN.test(header.kid)) return null;
      const key = await this.verificationKey(header.kid);
      if (key === null) return null;
      const { payload } = await jwtVerify(token, key, {
        algorithms: [ALG],
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: 'at+jwt',
        requiredClaims: ['sub', 'exp', 'iat', 'org', 'ver'],
      });
      const { sub, org, ver } = payload;
      if (
        typeof sub !== 'string' ||
        typeof org !== 'string' ||
        typeof ver !== 'number' ||
        !Number.isInteger(ver)
      ) {
        return null;
      }
      return { memberId: sub, orgId: org, version: ver };
    } catch {
      return null;
    }
  }

  private activeKey(): Promise<{ kid: string; key: CryptoKey }> {
    if (this.signingKey === null) {
      this.signingKey = this.loadOrCreateActiveKey().catch((error: unknown) => {
        this.signingKey = null;
        throw error;
      });
    }
    return this.signingKey;
  }

  private async loadOrCreateActiveKey(): Promise<{ kid: string; key: CryptoKey }> {
    const repository = this.dataSource.getRepository(SigningKeyEntity);
    let row = await repository.findOneBy({ active: true });
    if (row === null) {
      const pair = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
      const kid = randomBytes(12).toString('base64url');
      await this.dataSource.query(
        `INSERT INTO identity_signing_keys (kid, alg, private_jwk, public_jwk, active)
         VALUES ($1, $2, $3::jsonb, $4::jsonb, true)
         ON CONFLICT (active) WHERE active DO NOTHING`,
        [
          kid,
          ALG,
          JSON.stringify(await exportJWK(pair.privateKey)),
          JSON.stringify(await exportJWK(pair.publicKey)),
        ],
      );
      row = await repository.findOneByOrFail({ active: true });
    }
    const key = (await importJWK(row.privateJwk as JWK, ALG)) as CryptoKey;
    return { kid: row.kid, key };
  }

  private verificationKey(kid: string): Promise<CryptoKey | null> {
    let key = this.verificationKeys.get(kid);
    if (key === undefined) {
      key = this.loadPublicKey(kid);
      this.verificationKeys.set(kid, key);
      // Unknown kids are not cached for long, so a burst of junk tokens cannot grow the map forever.
      void key.then((found) => {
        if (found === null) this.verificationKeys.delete(kid);
      });
    }
    return key;
  }

  private async loadPublicKey(kid: string): Promise<CryptoKey | null> {
    const row = await this.dataSource.getRepository(SigningKeyEntity).findOneBy({ kid });
    if (row === null) return null;
    return (await importJWK(row.publicJwk as JWK, ALG)) as CryptoKey;
  }
}
