import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OrganisationService, type BootstrapResult, type Role } from '@mandate/identity';
import pino, { type Logger } from 'pino';
import { DataSource } from 'typeorm';
import { createApp } from '../../../apps/server/src/create-app';
import { createTestDatabase, type TestDatabase } from '../../support';

/** Every log line the app wrote, as raw JSON text (to assert that secrets never appear). */
export interface CapturedLogs {
  lines: string[];
  text(): string;
}

export interface IdentityHarness {
  app: NestFastifyApplication;
  db: TestDatabase;
  dataSource: DataSource;
  logs: CapturedLogs;
  close(): Promise<void>;
}

export function capturingLogger(): { logger: Logger; logs: CapturedLogs } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  return { logger, logs: { lines, text: () => lines.join('') } };
}

/** The real app (createApp, identity mounted as a feature module) on a fresh database cloned from the template. */
export async function startIdentityApp(
  env: Record<string, string> = {},
  extraModules: Array<Type | DynamicModule> = [],
): Promise<IdentityHarness> {
  const db = await createTestDatabase();
  const { logger, logs } = capturingLogger();
  try {
    const app = await createApp({
      env: { DATABASE_URL: db.url, LOG_LEVEL: 'trace', MANDATE_MIGRATE_ON_START: 'false', ...env },
      logger,
      modules: extraModules,
    });
    return {
      app,
      db,
      dataSource: app.get(DataSource),
      logs,
      close: async () => {
        await app.close();
        await db.drop();
      },
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

export interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  url: string;
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** Client address the request comes from (default 127.0.0.1). */
  remoteAddress?: string;
}

export interface Reply {
  status: number;
  // JSON of arbitrary shape, asserted on by the tests.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  raw: string;
}

export async function call(app: NestFastifyApplication, c: Call): Promise<Reply> {
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  let payload: string | undefined;
  if (c.body !== undefined) {
    payload = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await app.inject({
    method: c.method,
    url: c.url,
    headers,
    payload,
    remoteAddress: c.remoteAddress,
  });
  let body: unknown = undefined;
  try {
    body = res.body.length > 0 ? JSON.parse(res.body) : undefined;
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body, raw: res.body };
}

export async function login(
  app: NestFastifyApplication,
  email: string,
  password: string,
  orgSlug?: string,
): Promise<string> {
  const res = await call(app, {
    method: 'POST',
    url: '/v1/auth/login',
    body: { email, password, ...(orgSlug ? { orgSlug } : {}) },
  });
  if (res.status !== 200) throw new Error(`login of ${email} failed: ${res.status} ${res.raw}`);
  return res.body.accessToken as string;
}

export const PASSWORD = 'correct horse battery staple';

export interface SeededOrg {
  boot: BootstrapResult;
  slug: string;
  orgId: string;
  ownerToken: string;
  /** A member token per role (owner is the bootstrap owner). */
  tokens: Record<Role, string>;
  members: Record<Role, { id: string; email: string; password: string }>;
  adminKey: string;
}

let counter = 0;

/** Creates an organisation (as `mandate init` does) and one member per role, all logged in. */
export async function seedOrg(app: NestFastifyApplication, label: string): Promise<SeededOrg> {
  counter += 1;
  const name = `${label} ${counter} ${Date.now()}`;
  const boot = await app.get(OrganisationService).bootstrap({ name, ownerEmail: `owner@${label}.example` });
  const ownerToken = await login(app, boot.owner.email, boot.owner.password, boot.org.slug);
  const members = {
    owner: { id: boot.owner.id, email: boot.owner.email, password: boot.owner.password },
  } as SeededOrg['members'];
  const tokens = { owner: ownerToken } as SeededOrg['tokens'];
  for (const role of ['admin', 'policy_author', 'approver', 'auditor'] as const) {
    const email = `${role.replace('_', '-')}@${label}.example`;
    const res = await call(app, {
      method: 'POST',
      url: '/v1/members',
      token: ownerToken,
      body: { email, password: PASSWORD, roles: [role] },
    });
    if (res.status !== 201) throw new Error(`seeding ${role} failed: ${res.status} ${res.raw}`);
    members[role] = { id: res.body.id, email, password: PASSWORD };
    tokens[role] = await login(app, email, PASSWORD, boot.org.slug);
  }
  return {
    boot,
    slug: boot.org.slug,
    orgId: boot.org.id,
    ownerToken,
    tokens,
    members,
    adminKey: boot.apiKey.key,
  };
}

/** A stored domain_events row, as returned by PostgreSQL. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventRow = Record<string, any>;

/** Rows of domain_events of a type (for asserting that a change published its event). */
export async function eventsOf(dataSource: DataSource, type: string, orgId?: string): Promise<EventRow[]> {
  return dataSource.query(
    `SELECT * FROM domain_events WHERE type = $1 AND ($2::uuid IS NULL OR org_id = $2::uuid) ORDER BY occurred_at`,
    [type, orgId ?? null],
  );
}
