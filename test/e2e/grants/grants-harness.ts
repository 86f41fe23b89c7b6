import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ActivePolicyReader } from '@mandate/policies';
import { DataSource } from 'typeorm';
import { createApp } from '../../../apps/server/src/create-app';
import { fakeStore, FakePolicyStoreModule } from '../decisions/decisions-harness';
import { capturingLogger, startIdentityApp, type IdentityHarness } from '../identity/identity-harness';

/** The master key both replicas share (seals the grant-token signing keys). */
export const MASTER_KEY = randomBytes(32).toString('base64');

/**
 * A test policy: the baseline's grants module (policies/grants.rego) and a decision that allows a call
 * exactly when a matching grant does, consuming it. Catalog pinning and findings are left out so the
 * grants path is what decides.
 */
export function grantsPolicy(): string {
  const grants = readFileSync(join(__dirname, '..', '..', '..', 'policies', 'grants.rego'), 'utf8').replace(
    /^package mandate\s*$/m,
    '',
  );
  return `package mandate

default allow := false

allow if {
	input.phase == "call"
	granted
}

consume := consumed_grant_ids if allow else := []

decision := {
	"allow": allow,
	"deny": [],
	"require_approval": null,
	"obligations": {"consume_grants": consume},
}
${grants}`;
}

export interface Replicas {
  a: IdentityHarness;
  b: NestFastifyApplication;
  urlA: string;
  urlB: string;
  close(): Promise<void>;
}

/** Two server instances (replicas) on one fresh database, both listening on local ports. */
export async function startReplicas(): Promise<Replicas> {
  const env = { LOG_LEVEL: process.env.GRANTS_TEST_LOG ?? 'silent', MANDATE_MASTER_KEY: MASTER_KEY };
  const a = await startIdentityApp(env, [FakePolicyStoreModule]);
  fakeStore.baseline = a.app.get(ActivePolicyReader);
  const b = await createApp({
    env: { DATABASE_URL: a.db.url, MANDATE_MIGRATE_ON_START: 'false', ...env },
    logger: capturingLogger().logger,
    modules: [FakePolicyStoreModule],
  });
  await a.app.listen(0, '127.0.0.1');
  await b.listen(0, '127.0.0.1');
  const url = (app: NestFastifyApplication) =>
    `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  return {
    a,
    b,
    urlA: url(a.app),
    urlB: url(b),
    close: async () => {
      await b.close();
      await a.close();
    },
  };
}

export interface HttpReply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A request over real HTTP. */
export async function http(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<HttpReply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

export function dataSourceOf(app: NestFastifyApplication): DataSource {
  return app.get(DataSource);
}
