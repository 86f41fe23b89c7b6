import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import {
  call,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type Reply,
  type SeededOrg,
} from '../identity/identity-harness';
import { activateFiles } from '../policies/policy-flow';
import { createAgent, gatewayKey } from './decisions-harness';

/**
 * Fault injection through the real app: the database goes away mid-run (every backend of the app's database
 * terminated, new connections refused), a policy traps on some inputs, requests are malformed or too big.
 * Whatever happens, no request is allowed unless its decision was durably recorded; after the fault,
 * decisions are allowed and recorded again.
 */
const POLICY = `package mandate

default allow := false

allow if input.tool.name == "read_file"

# Two complete definitions that conflict only for this path: an evaluation error (a trap) at run time.
boom := 1 if input.arguments.path == "/boom"

boom := 2 if input.arguments.path == "/boom"

decision := {"allow": allow, "deny": [], "require_approval": null, "obligations": {"boom": boom}} if boom

decision := {"allow": allow, "deny": [], "require_approval": null, "obligations": {}} if not input.arguments.path == "/boom"
`;

const DB_REASONS = ['record_failed', 'policy_unavailable', 'internal_error', 'unknown_agent'];

describeWithPostgres('faults: the decision API fails closed and recovers', () => {
  let h: IdentityHarness;
  let org: SeededOrg;
  let key: string;
  let admin: Client;

  const request = (path = '/w/a.txt') => ({
    agent: 'coder',
    server: { name: 'fs' },
    tool: { name: 'read_file' },
    arguments: { path },
    phase: 'call',
  });
  const decide = (body: unknown = request()) =>
    call(h.app, { method: 'POST', url: '/v1/decisions', token: key, body });

  async function recorded(ids: string[]): Promise<Set<string>> {
    const rows = await h.dataSource.query<Array<{ id: string }>>(
      'SELECT id FROM decisions WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  async function untilAllowed(): Promise<Reply> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await decide();
      if (res.status === 200 && res.body.decision === 'allow') return res;
      if (Date.now() > deadline) throw new Error(`never allowed again: ${res.status} ${res.raw}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    h = await startIdentityApp({ LOG_LEVEL: 'silent' });
    org = await seedOrg(h.app, 'faults');
    key = await gatewayKey(h.app, org);
    await createAgent(h.app, org, 'coder');
    await activateFiles(h.app, org.tokens.policy_author, { 'policy.rego': POLICY });
    admin = new Client({ connectionString: h.db.url.replace(/\/[^/?]+(\?|$)/, '/postgres$1') });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.query(`ALTER DATABASE "${h.db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin?.end();
    await h?.close();
  });

  it('allows and records before the fault (the baseline for the comparison)', async () => {
    const res = await untilAllowed();
    expect((await recorded([res.body.decisionId])).has(res.body.decisionId)).toBe(true);
  });

  it('loses the database mid-run: every answer is a deny with a reason or a recorded allow; then recovers', async () => {
    const answers: Reply[] = [];
    let running = true;
    const drivers = Array.from({ length: 4 }, async () => {
      while (running) answers.push(await decide());
    });
    await new Promise((r) => setTimeout(r, 300));
    // The outage: no new connection to the app's database, every existing one killed.
    await admin.query(`ALTER DATABASE "${h.db.name}" ALLOW_CONNECTIONS false`);
    const outageEnds = Date.now() + 2500;
    while (Date.now() < outageEnds) {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [h.db.name],
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    const duringOutage = answers.length;
    await admin.query(`ALTER DATABASE "${h.db.name}" ALLOW_CONNECTIONS true`);
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(drivers);

    const allowed = answers.filter((a) => a.status === 200 && a.body.decision === 'allow');
    const denied = answers.filter((a) => a.status === 200 && a.body.decision === 'deny');
    const failed = answers.filter((a) => a.status !== 200);
    // No answer outside the decision contract says allow.
    for (const a of failed) expect(a.raw).not.toContain('"allow"');
    for (const a of denied) {
      expect(a.body.reasons.length).toBeGreaterThan(0);
      expect(a.body.reasons[0].code).toEqual(expect.any(String));
    }
    const codes = new Set(denied.map((a) => a.body.reasons[0].code as string));
    // The fault bit: some decisions were denied for a database reason (or refused without a decision).
    expect(denied.length + failed.length).toBeGreaterThan(0);
    if (denied.length > 0)
      expect(
        [...codes].some((c) => DB_REASONS.includes(c)),
        [...codes].join(),
      ).toBe(true);
    console.log(
      `fault run: ${answers.length} answers (${duringOutage} by the end of the outage): ${allowed.length} allow, ` +
        `${denied.length} deny [${[...codes].join(', ')}], ${failed.length} non-200 ` +
        `[${[...new Set(failed.map((a) => a.status))].join(', ')}]`,
    );

    // Recovery: allowed and recorded again.
    const after = await untilAllowed();
    // Every allow given — during the fault or after — is in the decision log.
    const ids = [...allowed.map((a) => a.body.decisionId as string), after.body.decisionId as string];
    const stored = await recorded(ids);
    expect(ids.filter((id) => !stored.has(id))).toEqual([]);
    // A recorded deny is fine; a deny for record_failed must NOT be in the log (it was never written).
    const unrecorded = denied
      .filter((a) => a.body.reasons[0].code === 'record_failed')
      .map((a) => a.body.decisionId);
    if (unrecorded.length > 0) expect((await recorded(unrecorded)).size).toBe(0);
  });

  it('a policy that errors denies with policy_error; the next call is evaluated normally', async () => {
    const boom = await decide(request('/boom'));
    expect(boom.status).toBe(200);
    expect(boom.body).toMatchObject({ decision: 'deny', reasons: [{ code: 'policy_error' }] });
    const fine = await decide();
    expect(fine.body.decision).toBe('allow');
  });

  it('malformed or oversized requests are 4xx and never recorded', async () => {
    const before = Number(
      (await h.dataSource.query<Array<{ n: string }>>('SELECT count(*) AS n FROM decisions'))[0].n,
    );
    const cases: Array<[unknown, number]> = [
      ['{"agent": ', 400],
      [{ ...request(), phase: 'execute' }, 400],
      [{ ...request(), arguments: [1] }, 400],
      [{ ...request(), surprise: true }, 400],
      [{ ...request(), arguments: { blob: 'x'.repeat(300 * 1024) } }, 400],
      [{ ...request(), arguments: { blob: 'x'.repeat(3 * 1024 * 1024) } }, 413],
    ];
    for (const [body, status] of cases) {
      const res = await decide(body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(res.raw).not.toContain('"allow"');
    }
    const after = Number(
      (await h.dataSource.query<Array<{ n: string }>>('SELECT count(*) AS n FROM decisions'))[0].n,
    );
    expect(after).toBe(before);
  });
});
