import { ActivePolicyReader } from '@mandate/policies';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { createAgent, fakeStore, FakePolicyStoreModule, gatewayKey } from '../decisions/decisions-harness';
import {
  call,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { exportAndVerify, newMasterKey } from './audit-harness';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Allows everything; asks the audit log to mask the `card` argument and a nested one. */
const REDACTING_POLICY = `package mandate

decision := {
	"allow": input.tool.name != "wipe",
	"deny": [r | input.tool.name == "wipe"; r := "no wiping"],
	"require_approval": null,
	"obligations": {"redact_arguments": ["card", "$.billing.cvc2"]},
}
`;

describeWithPostgres('audit log: decisions through the real decision API', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let key: string;
  let agentId: string;
  let dir: string;

  beforeAll(async () => {
    h = await startIdentityApp({ MANDATE_MASTER_KEY: newMasterKey() }, [FakePolicyStoreModule]);
    fakeStore.baseline = h.app.get(ActivePolicyReader);
    org = await seedOrg(h.app, 'auditdec');
    key = await gatewayKey(h.app, org);
    agentId = await createAgent(h.app, org, 'billing-bot');
    await fakeStore.activate(org.orgId, REDACTING_POLICY);
    dir = await mkdtemp(join(tmpdir(), 'mandate-audit-dec-'));
  });
  afterAll(async () => {
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const decide = (tool: string, args: Record<string, unknown>) =>
    call(h.app, {
      method: 'POST',
      url: '/v1/decisions',
      token: key,
      body: {
        agent: 'billing-bot',
        server: { name: 'payments' },
        tool: { name: tool },
        arguments: args,
        phase: 'call',
      },
    });

  it("masks the policy's redact_arguments before hashing, and search filters and redacts decisions", async () => {
    const allowed = await decide('charge', {
      card: '4111 1111 1111 1111',
      amount: 12,
      billing: { cvc2: '123', zip: '75001' },
    });
    expect(allowed.status, allowed.raw).toBe(200);
    expect(allowed.body.decision).toBe('allow');
    const denied = await decide('wipe', { card: '5500 0000 0000 0004', amount: 1 });
    expect(denied.body.decision).toBe('deny');

    const rows: Array<{ canonical: string; agent: string; tool: string; decision: string }> =
      await h.dataSource.query(
        `SELECT canonical, agent, tool, decision FROM audit_events WHERE org_id = $1 AND type = 'tool_call.decided' ORDER BY seq`,
        [org.orgId],
      );
    expect(rows.map((r) => [r.agent, r.tool, r.decision])).toEqual([
      ['billing-bot', 'payments/charge', 'allow'],
      ['billing-bot', 'payments/wipe', 'deny'],
    ]);
    for (const row of rows) {
      expect(row.canonical).not.toContain('4111');
      expect(row.canonical).not.toContain('5500');
    }
    const first = JSON.parse(rows[0].canonical);
    expect(first.actor).toEqual({ type: 'agent', id: agentId });
    expect(first.data.input.arguments).toEqual({
      card: '[MASKED]',
      amount: 12,
      billing: { cvc2: '[MASKED]', zip: '75001' },
    });
    expect(first.masked).toEqual(['$.data.input.arguments.billing.cvc2', '$.data.input.arguments.card']);

    const search = (token: string, query: string) =>
      call(h.app, { method: 'GET', url: `/v1/audit/events?${query}`, token });
    const asAuditor = await search(org.tokens.auditor, 'agent=billing-bot&decision=deny');
    expect(asAuditor.body.items).toHaveLength(1);
    expect(asAuditor.body.items[0]).toMatchObject({
      redacted: false,
      subject: { type: 'tool', id: 'payments/wipe' },
      data: { input: { arguments: { card: '[MASKED]', amount: 1 } } },
    });
    const asAdmin = await search(org.tokens.admin, `agent=${agentId}&tool=payments/charge`);
    expect(asAdmin.body.items).toHaveLength(1);
    expect(asAdmin.body.items[0]).toMatchObject({
      redacted: true,
      data: { decision: 'allow', input: { arguments: '[REDACTED]' } },
    });
    expect(asAdmin.raw).not.toContain('75001');

    const exported = await exportAndVerify(h.app, org.tokens.auditor, dir);
    expect(exported.report.problems).toEqual([]);
  });
});
