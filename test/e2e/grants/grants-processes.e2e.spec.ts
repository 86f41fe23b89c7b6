import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { createAgent, gatewayKey } from '../decisions/decisions-harness';
import {
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { grantsPolicy, http, MASTER_KEY } from './grants-harness';

/** Starts replica-process.mjs (a second server process on the same database); resolves with its URL. */
function startReplicaProcess(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(__dirname, 'replica-process.mjs'), databaseUrl, MASTER_KEY], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the replica process exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const { port } = JSON.parse(line) as { port: number };
      resolve({ child, url: `http://127.0.0.1:${port}` });
    });
  });
}

const refund = (agent: string) => ({
  agent,
  server: { name: 'payments' },
  tool: { name: 'refund' },
  arguments: { amount: 1 },
  phase: 'call',
});

describeWithPostgres('grants: two server processes on one database', () => {
  let a: IdentityHarness;
  let urlA: string;
  let urlB: string;
  let replica: ChildProcess | undefined;
  let org: SeededOrg;
  let gw: string;
  let revision: number;

  beforeAll(async () => {
    a = await startIdentityApp({ LOG_LEVEL: 'silent', MANDATE_MASTER_KEY: MASTER_KEY });
    await a.app.listen(0, '127.0.0.1');
    urlA = `http://127.0.0.1:${(a.app.getHttpServer().address() as { port: number }).port}`;
    const started = await startReplicaProcess(a.db.url);
    replica = started.child;
    urlB = started.url;
    org = await seedOrg(a.app, 'grants-proc');
    gw = await gatewayKey(a.app, org);
    for (const name of ['racer', 'victim-a', 'victim-b']) await createAgent(a.app, org, name);
    const owner = org.ownerToken;
    expect(
      (await http(urlA, 'PUT', '/v1/policies/draft', owner, { files: { 'grants.rego': grantsPolicy() } }))
        .status,
    ).toBe(200);
    const version = await http(urlA, 'POST', '/v1/policies/versions', owner, { message: 'grants e2e' });
    expect(version.status, JSON.stringify(version.body)).toBe(201);
    const activated = await http(urlA, 'POST', `/v1/policies/versions/${version.body.id}/activate`, owner, {
      force: true,
      reason: 'the e2e policy has no test_ rules',
    });
    expect(activated.status, JSON.stringify(activated.body)).toBe(200);
    revision = activated.body.revision;
  }, 180_000);

  afterAll(async () => {
    if (replica && replica.exitCode === null) {
      const exited = new Promise((r) => replica!.once('exit', r));
      replica.kill('SIGTERM');
      await exited;
    }
    await a?.close();
  });

  const grant = async (agent: string, extra: Record<string, unknown> = {}) => {
    const res = await http(urlA, 'POST', '/v1/grants', org.tokens.admin, {
      agent,
      server: 'payments',
      tool: 'refund',
      reason: 'e2e',
      ...extra,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const decide = (url: string, agent: string) => http(url, 'POST', '/v1/decisions', gw, refund(agent));

  it('200 concurrent decisions split over both processes: exactly 10 allowed by a grant of 10 uses', async () => {
    const id = await grant('racer', { maxUses: 10 });
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => decide(i % 2 ? urlA : urlB, 'racer')),
    );
    expect(replies.every((r) => r.status === 200 && r.body.policyRevision >= revision)).toBe(true);
    expect(replies.filter((r) => r.body.decision === 'allow')).toHaveLength(10);
    expect((await http(urlA, 'GET', `/v1/grants/${id}`, org.tokens.admin)).body.uses).toBe(10);
  });

  it('a grant revoked through one process denies on the very next decision in the other', async () => {
    for (const [agent, revokeOn, decideOn] of [
      ['victim-a', urlA, urlB],
      ['victim-b', urlB, urlA],
    ] as const) {
      const id = await grant(agent);
      expect((await decide(decideOn, agent)).body.decision).toBe('allow');
      const revoked = await http(revokeOn, 'POST', `/v1/grants/${id}/revoke`, org.tokens.admin, {
        reason: 'e2e',
      });
      expect(revoked.status).toBe(200);
      const next = await decide(decideOn, agent);
      expect(next.body.decision).toBe('deny');
    }
  });
});
