import { Controller, Get, Module } from '@nestjs/common';
import { Public, RequirePermission } from '@mandate/identity';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { call, seedOrg, startIdentityApp, type IdentityHarness, type SeededOrg } from './identity-harness';

/** Endpoints another feature might write — one of them forgets its permission. */
@Controller('v1/probe-access')
class ProbeAccessController {
  @Get('forgotten')
  forgotten(): { leaked: true } {
    return { leaked: true };
  }

  @Get('declared')
  @RequirePermission('audit:read')
  declared(): { ok: true } {
    return { ok: true };
  }

  @Get('public')
  @Public()
  open(): { ok: true } {
    return { ok: true };
  }
}

@RequirePermission('grants:read')
@Controller('v1/probe-class')
class ClassLevelController {
  @Get()
  list(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeAccessController, ClassLevelController] })
class ProbeAccessModule {}

describeWithPostgres('AccessGuard: deny by default', () => {
  let h: IdentityHarness;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await startIdentityApp({}, [ProbeAccessModule]);
    org = await seedOrg(h.app, 'deny');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses an endpoint that declares no permission, even to the owner', async () => {
    expect((await call(h.app, { method: 'GET', url: '/v1/probe-access/forgotten' })).status).toBe(401);
    const owner = await call(h.app, {
      method: 'GET',
      url: '/v1/probe-access/forgotten',
      token: org.ownerToken,
    });
    expect(owner.status).toBe(403);
    expect(owner.raw).not.toContain('leaked');
  });

  it('applies a declared permission, at method or class level', async () => {
    expect(
      (await call(h.app, { method: 'GET', url: '/v1/probe-access/declared', token: org.tokens.auditor }))
        .status,
    ).toBe(200);
    expect(
      (await call(h.app, { method: 'GET', url: '/v1/probe-access/declared', token: org.tokens.approver }))
        .status,
    ).toBe(403);
    expect(
      (await call(h.app, { method: 'GET', url: '/v1/probe-class', token: org.tokens.approver })).status,
    ).toBe(200);
    expect(
      (await call(h.app, { method: 'GET', url: '/v1/probe-class', token: org.tokens.policy_author })).status,
    ).toBe(403);
  });

  it('lets @Public endpoints through without credentials', async () => {
    expect((await call(h.app, { method: 'GET', url: '/v1/probe-access/public' })).status).toBe(200);
  });
});
