import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { createAgent, gatewayKey } from '../decisions/decisions-harness';
import {
  call,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { activateFiles } from '../policies/policy-flow';
import { GATEWAY_POLICY } from './gateway-harness';

/** JSON of arbitrary shape, asserted on by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

/** What ToolHive's httpv1 authorizer posts to `<pdp.http.url>/decision`. */
const porc = (operation: string, resource: string, args?: Record<string, unknown>) => ({
  principal: { sub: 'user-7', mgroups: ['eng'], mroles: ['dev'], mannotations: {} },
  operation,
  resource,
  context: args
    ? { mcp: { feature: 'tool', operation: 'call', resource_id: resource.split(':').pop(), args } }
    : {},
});

describeWithPostgres(
  'ToolHive httpv1 compatibility: POST /v1/compat/toolhive/agents/{agent}/decision',
  () => {
    let h: IdentityHarness;
    let org: SeededOrg;
    let key: string;
    const url = '/v1/compat/toolhive/agents/coder/decision';
    const decide = (body: unknown, token: string | null = key, path = url) =>
      call(h.app, { method: 'POST', url: path, token, body });

    beforeAll(async () => {
      h = await startIdentityApp({ LOG_LEVEL: 'silent' });
      org = await seedOrg(h.app, 'toolhive');
      key = await gatewayKey(h.app, org, 'toolhive');
      await createAgent(h.app, org, 'coder');
      await activateFiles(h.app, org.ownerToken, { 'policy.rego': GATEWAY_POLICY });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('answers {allow} from the same pipeline and records each decision', async () => {
      const allowed = await decide(
        porc('mcp:tool:call', 'mrn:mcp:filesystem:tool:list_directory', { path: '/srv' }),
      );
      expect(allowed.status, allowed.raw).toBe(200);
      expect(allowed.body).toMatchObject({ allow: true, decision: 'allow' });

      const denied = await decide(porc('mcp:tool:call', 'mrn:mcp:everything:tool:get-env', {}));
      expect(denied.body).toMatchObject({ allow: false, decision: 'deny' });
      expect(denied.body.reasons[0].message).toContain('get-env');

      const listed = await decide(porc('mcp:tool:list', 'mrn:mcp:everything:tool:echo'));
      expect(listed.body).toMatchObject({ allow: true });

      const pending = await decide(
        porc('mcp:tool:call', 'mrn:mcp:filesystem:tool:write_file', { path: '/srv/x', content: 'y' }),
      );
      expect(pending.body).toMatchObject({ allow: false, decision: 'pending_approval' });

      const rows: Array<{ tool: string; phase: string; decision: string; input: Loose }> =
        await h.dataSource.query(
          `SELECT tool, phase, decision, input FROM decisions WHERE org_id = $1 ORDER BY decided_at`,
          [org.orgId],
        );
      expect(rows.map((r) => [r.tool, r.phase, r.decision])).toEqual([
        ['list_directory', 'call', 'allow'],
        ['get-env', 'call', 'deny'],
        ['echo', 'list', 'allow'],
        ['write_file', 'call', 'pending_approval'],
      ]);
      expect(rows[0].input.principal).toEqual({ id: 'user-7', email: null, groups: ['eng'] });
      expect(rows[0].input.arguments).toEqual({ path: '/srv' });
      expect(rows[0].input.server.name).toBe('filesystem');
    });

    it('accepts the gateway key as the Basic-auth password (ToolHive puts credentials in the URL)', async () => {
      const body = porc('mcp:tool:call', 'mrn:mcp:filesystem:tool:list_directory', { path: '/srv' });
      const inject = (authorization: string) =>
        h.app.inject({ method: 'POST', url, headers: { authorization }, payload: body });
      const basic = (userInfo: string) => `Basic ${Buffer.from(userInfo).toString('base64')}`;
      const ok = await inject(basic(`toolhive:${key}`));
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ allow: true });
      expect((await inject(basic('toolhive:mnd_not_a_key'))).statusCode).toBe(401);
      expect((await inject(basic(`toolhive:${org.ownerToken}`))).statusCode).toBe(401);
    });

    it('denies an unknown agent, refuses what it cannot map, and needs a gateway credential', async () => {
      const unknown = await decide(
        porc('mcp:tool:call', 'mrn:mcp:fs:tool:x', {}),
        key,
        '/v1/compat/toolhive/agents/ghost/decision',
      );
      expect(unknown.body).toMatchObject({ allow: false, reasons: [{ code: 'unknown_agent' }] });
      for (const body of [
        porc('mcp:prompt:get', 'mrn:mcp:fs:prompt:greet'),
        porc('mcp:tool:call', 'fs/read_file'),
        { ...porc('mcp:tool:call', 'mrn:mcp:fs:tool:x'), extra: 1 },
        { operation: 'mcp:tool:call', resource: 'mrn:mcp:fs:tool:x' },
      ]) {
        const res = await decide(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
      expect((await decide(porc('mcp:tool:call', 'mrn:mcp:fs:tool:x', {}), null)).status).toBe(401);
      expect((await decide(porc('mcp:tool:call', 'mrn:mcp:fs:tool:x', {}), org.tokens.auditor)).status).toBe(
        403,
      );
    });
  },
);
