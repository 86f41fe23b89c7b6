import type { AppConfig } from '@mandate/config';
import { SignJWT, generateKeyPair } from 'jose';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { AccessTokenService } from './access-token.service';
import type { SigningKeyEntity } from './signing-key.entity';

/** In-memory stand-in for the identity_signing_keys table (a fake, not a mock: it keeps real state). */
class FakeKeyStore {
  readonly rows: SigningKeyEntity[] = [];
  inserts = 0;

  dataSource(): DataSource {
    const repository = {
      findOneBy: (where: Partial<SigningKeyEntity>) =>
        Promise.resolve(
          this.rows.find((row) =>
            Object.entries(where).every(([k, v]) => row[k as keyof SigningKeyEntity] === v),
          ) ?? null,
        ),
      findOneByOrFail: async (where: Partial<SigningKeyEntity>) => {
        const row = await repository.findOneBy(where);
        if (row === null) throw new Error('not found');
        return row;
      },
    };
    return {
      getRepository: () => repository,
      query: (_sql: string, params: [string, string, string, string]) => {
        this.inserts += 1;
        if (!this.rows.some((row) => row.active)) {
          this.rows.push({
            kid: params[0],
            alg: params[1],
            privateJwk: JSON.parse(params[2]) as Record<string, unknown>,
            publicJwk: JSON.parse(params[3]) as Record<string, unknown>,
            active: true,
            createdAt: new Date(),
          });
        }
        return Promise.resolve([]);
      },
    } as unknown as DataSource;
  }
}

const config = { accessTokenTtlSeconds: 900 } as AppConfig;
const claims = {
  memberId: '0b6f4a8e-5f53-4a43-9c55-1d2f3f9d3c11',
  orgId: '5d8f7a1c-2b9e-4c3a-8f6d-7e1a2b3c4d5e',
  version: 3,
};

describe('AccessTokenService', () => {
  it('issues EdDSA tokens with a kid that it verifies back to the same claims', async () => {
    const store = new FakeKeyStore();
    const service = new AccessTokenService(store.dataSource(), config);
    const { token, expiresAt } = await service.issue(claims);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(header).toEqual({ alg: 'EdDSA', kid: store.rows[0].kid, typ: 'at+jwt' });
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(895_000);
    expect(await service.verify(token)).toEqual(claims);
  });

  it('generates the key once and shares it between replicas using the same database', async () => {
    const store = new FakeKeyStore();
    const a = new AccessTokenService(store.dataSource(), config);
    const b = new AccessTokenService(store.dataSource(), config);
    const token = (await a.issue(claims)).token;
    await a.issue(claims);
    expect(store.rows).toHaveLength(1);
    expect(await b.verify(token)).toEqual(claims);
    await b.issue(claims);
    expect(store.rows).toHaveLength(1);
    expect(store.rows[0].privateJwk).toHaveProperty('d');
  });

  it('rejects expired tokens, tokens from another database, and forged headers', async () => {
    const store = new FakeKeyStore();
    const service = new AccessTokenService(store.dataSource(), config);
    const expired = await service.issue(claims, new Date(Date.now() - 3_600_000));
    expect(await service.verify(expired.token)).toBeNull();

    const elsewhere = new AccessTokenService(new FakeKeyStore().dataSource(), config);
    expect(await service.verify((await elsewhere.issue(claims)).token)).toBeNull();

    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await service.issue(claims);
    const foreign = await new SignJWT({ org: claims.orgId, ver: 3 })
      .setProtectedHeader({ alg: 'EdDSA', kid: store.rows[0].kid, typ: 'at+jwt' })
      .setIssuer('mandate')
      .setAudience('mandate-admin')
      .setSubject(claims.memberId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await service.verify(foreign)).toBeNull();

    const hmac = await new SignJWT({ org: claims.orgId, ver: 3 })
      .setProtectedHeader({ alg: 'HS256', kid: store.rows[0].kid, typ: 'at+jwt' })
      .setSubject(claims.memberId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await service.verify(hmac)).toBeNull();
    for (const junk of ['', 'a.b.c', 'not a jwt', `${'x'.repeat(10_000)}`])
      expect(await service.verify(junk)).toBeNull();
  });
});
