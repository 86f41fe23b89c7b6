import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestDatabase,
  describeWithPostgres,
  ServerProcesses,
  type ServerProcess,
  type TestDatabase,
} from '../../support';

/**
 * Two server processes (two replicas) on one PostgreSQL database: a policy activated or rolled back through
 * replica A is what replica B answers with within one second. B learns of it through LISTEN
 * `mandate_policy_activated` (its 1 s poll is only the fallback); the test shows both that each change
 * arrived in time and that each replica holds a LISTEN connection.
 *
 * The replicas run the real server (createApp) compiled with swc into a scratch folder below dist/.
 */
const policy = (readAllowed: boolean, marker: number) => `package mandate

default allow := false

allow if {
	${readAllowed ? 'true' : 'false'}
	input.tool.name == "read_file"
}

decision := {"allow": allow, "deny": [], "require_approval": null, "obligations": {"marker": ${marker}}}
`;

type Replica = ServerProcess;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of arbitrary shape, asserted on by the test
async function http(port: number, method: string, path: string, key: string, body?: unknown): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text.length > 0 ? JSON.parse(text) : undefined;
}

describeWithPostgres(
  'replicas: an activation on one server process reaches another within one second',
  () => {
    let db: TestDatabase;
    let servers: ServerProcesses | undefined;
    let adminKey: string;
    let gateway: string;

    const start = (): Promise<Replica> =>
      servers!.start({
        DATABASE_URL: db.url,
        LOG_LEVEL: 'warn',
        MANDATE_MIGRATE_ON_START: 'false',
        MANDATE_MASTER_KEY: randomBytes(32).toString('base64'),
      });

    const decide = (replica: Replica) =>
      http(replica.port, 'POST', '/v1/decisions', gateway, {
        agent: 'coder',
        server: { name: 'fs' },
        tool: { name: 'read_file' },
        arguments: { path: '/w/a.txt' },
        phase: 'call',
      });

    async function activate(replica: Replica, files: Record<string, string>): Promise<number> {
      await http(replica.port, 'PUT', '/v1/policies/draft', adminKey, { files });
      const version = await http(replica.port, 'POST', '/v1/policies/versions', adminKey, {});
      const activated = await http(
        replica.port,
        'POST',
        `/v1/policies/versions/${version.id}/activate`,
        adminKey,
        {},
      );
      return activated.revision as number;
    }

    /** Asks `replica` until it answers with `revision`; returns the milliseconds that took. */
    async function timeUntilRevision(replica: Replica, revision: number, since: number): Promise<number> {
      for (;;) {
        const answer = await decide(replica);
        if (answer.policyRevision >= revision) return Date.now() - since;
        if (Date.now() - since > 10_000) throw new Error(`revision ${revision} never reached the replica`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    beforeAll(async () => {
      db = await createTestDatabase();
      servers = new ServerProcesses('replicas');
      const a = await start();
      await start();
      const boot = await servers.bootstrap(a, `Replicas ${Date.now()}`);
      adminKey = boot.adminKey;
      gateway = (
        await http(a.port, 'POST', '/v1/api-keys', adminKey, { name: 'gw', scopes: ['decisions:evaluate'] })
      ).key;
      await http(a.port, 'POST', '/v1/agents', adminKey, { name: 'coder', ownerId: boot.ownerId });
    }, 120_000);

    afterAll(async () => {
      await servers?.stop();
      await db?.drop();
    });

    it('B answers with the policy activated through A, and with a rollback, within one second', async () => {
      const [a, b] = servers!.replicas;
      const first = await activate(a, { 'p.rego': policy(true, 1) });
      // B loads the policy (and opens its LISTEN connection) with its first decision.
      await timeUntilRevision(b, first, Date.now());
      const listeners = async () =>
        (
          await withClient(db.url, (c) =>
            c.query<{ n: string }>(
              `SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'mandate-policy-listener'
                AND query ILIKE 'LISTEN mandate_policy_activated%'`,
            ),
          )
        ).rows[0].n;
      const deadline = Date.now() + 5000;
      while (Number(await listeners()) < 1 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(Number(await listeners())).toBeGreaterThanOrEqual(1);

      const delays: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        const revision = await activate(a, { 'p.rego': policy(round % 2 === 1, 10 + round) });
        const since = Date.now();
        const delay = await timeUntilRevision(b, revision, since);
        const answer = await decide(b);
        expect(answer.obligations).toMatchObject({ marker: 10 + round });
        delays.push(delay);
      }
      const history = await http(a.port, 'GET', '/v1/policies/activations?limit=100', adminKey);
      const versionOfFirst = history.items[0].versionId as string;
      const rolledBack = await http(a.port, 'POST', '/v1/policies/rollback', adminKey, {
        versionId: versionOfFirst,
        reason: 'replica test',
      });
      const since = Date.now();
      delays.push(await timeUntilRevision(b, rolledBack.revision as number, since));
      expect((await decide(b)).obligations).toMatchObject({ marker: 1 });
      console.log(`activation → other replica: ${delays.map((d) => `${d} ms`).join(', ')}`);
      // The functional requirement: every change reached B within a second.
      for (const delay of delays) expect(delay).toBeLessThanOrEqual(1000);
    });
  },
);

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
