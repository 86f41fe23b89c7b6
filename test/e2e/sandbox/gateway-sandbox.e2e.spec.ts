import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gatewayTracing } from '../../../apps/gateway/src/telemetry/gateway-telemetry';
import { describeWithPostgres } from '../../support';
import { FILESYSTEM_SERVER, startGatewayWorld, textOf, type GatewayWorld } from '../gateway/gateway-harness';
import { call, eventsOf } from '../identity/identity-harness';
import { activateFiles } from '../policies/policy-flow';
import { HOSTILE_SERVER } from './sandbox-support';

/** Allows everything: what stops the calls below is the sandbox (and its quarantine), not the policy. */
const OPEN_POLICY = `package mandate

decision := {"allow": true, "deny": [], "require_approval": null, "obligations": {}}
`;

const KEY_TEXT = 'PRIVATE KEY gateway-e2e 5d1e';

/**
 * Acceptance through the reference gateway and the real server: stdio upstreams run under the sandbox
 * profiles Mandate resolves for them (none → they do not start), a file outside the profile's directory
 * never reaches the client even though the server itself and the argument gates let the call through,
 * a hostile server's violation is reported, audited and quarantines it while the other server keeps
 * serving, and one allowed call yields one trace across gateway, decision and upstream spans whose id the
 * decision record carries.
 */
describeWithPostgres('gateway: sandboxed upstreams, violations and one trace per call', () => {
  let world: GatewayWorld;
  let listener: Server;
  let listenerPort = 0;
  let home: string;
  let work: string;

  beforeAll(async () => {
    listener = createServer((socket) => socket.end('hello through the egress proxy\n'));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as AddressInfo).port;
    world = await startGatewayWorld(
      // eslint-disable-next-line @typescript-eslint/require-await
      async () => {
        return {
          toolCacheSeconds: 0,
          upstreams: [
            {
              name: 'filesystem',
              transport: 'stdio',
              command: process.execPath,
              // The server itself may serve all of the temporary directory; the sandbox profile allows only
              // the harness's `root` directory inside it.
              args: [FILESYSTEM_SERVER, tmpdir()],
              env: {},
              envPassthrough: [],
            },
            {
              name: 'hostile',
              transport: 'stdio',
              command: process.execPath,
              args: [HOSTILE_SERVER],
              env: {},
              envPassthrough: [],
            },
            {
              name: 'netbox',
              transport: 'stdio',
              command: process.execPath,
              args: [HOSTILE_SERVER],
              env: {},
              envPassthrough: [],
            },
          ],
          sandbox: {
            source: 'mandate',
            required: true,
            profiles: {},
            reportViolations: true,
            reportIntervalMs: 0,
          },
          telemetry: { traces: { exporter: 'memory' }, metrics: { host: '127.0.0.1' } },
        };
      },
      { env: { GATES_ENABLED: 'false' } },
    );
  });

  afterAll(async () => {
    await world?.close();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('does not start an upstream without a profile (fail closed), then runs each under its Mandate profile', async () => {
    const before = await world.client.listTools();
    expect(before.tools.map((t) => t.name).filter((n) => /^(filesystem|hostile)__/.test(n))).toEqual([]);

    // bubblewrap runs unprivileged: the directories it binds must be reachable by the sandbox user.
    chmodSync(world.dir, 0o755);
    home = join(world.dir, 'home');
    work = join(world.dir, 'work');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    mkdirSync(work);
    for (const d of [home, join(home, '.ssh')]) chmodSync(d, 0o755);
    chmodSync(work, 0o777);
    writeFileSync(join(home, '.ssh', 'id_ed25519'), KEY_TEXT, { mode: 0o644 });

    await activateFiles(world.h.app, world.org.ownerToken, { 'policy.rego': OPEN_POLICY });
    const admin = (body: unknown) =>
      call(world.h.app, { method: 'POST', url: '/v1/sandbox/profiles', token: world.org.tokens.admin, body });
    expect(
      (
        await admin({
          name: 'fs-one-directory',
          servers: ['filesystem'],
          spec: {
            filesystem: { readOnlyRoot: true, read: [world.fsRoot] },
            limits: { memoryBytes: 4 * 1024 ** 3 },
          },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await admin({
          name: 'hostile-jail',
          servers: ['hostile'],
          onViolation: 'quarantine',
          spec: {
            filesystem: { readOnlyRoot: true, read: [home], write: [work], hide: [join(home, '.ssh')] },
            limits: { memoryBytes: 4 * 1024 ** 3, processes: 32 },
          },
        })
      ).status,
    ).toBe(201);

    expect(
      (
        await admin({
          name: 'netbox-egress',
          servers: ['netbox'],
          spec: {
            network: { mode: 'allowlist', hosts: [`127.0.0.1:${listenerPort}`] },
            limits: { memoryBytes: 4 * 1024 ** 3, processes: 64 },
          },
        })
      ).status,
    ).toBe(201);

    const listing = await world.gateway.upstreams.listAll();
    expect(listing.failed.map((f) => `${f.upstream}: ${String(f.error)}`)).toEqual([]);
    const after = await world.client.listTools();
    const names = after.tools.map((t) => t.name);
    expect(names).toContain('filesystem__read_text_file');
    expect(names).toContain('hostile__read_file');
  });

  it('one allowed call: gateway, decision and upstream spans share one trace id, which the decision record carries', async () => {
    const memory = gatewayTracing().memory!;
    memory.reset();
    const result = await world.client.callTool({
      name: 'filesystem__read_text_file',
      arguments: { path: join(world.fsRoot, 'hello.txt') },
    });
    expect(textOf(result)).toContain('hello from the filesystem server');

    const spans = memory.getFinishedSpans();
    const root = spans.find(
      (s) => s.name === 'tools/call' && s.attributes['gen_ai.tool.name'] === 'filesystem__read_text_file',
    );
    expect(root, spans.map((s) => s.name).join(', ')).toBeDefined();
    const traceId = root!.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const names = inTrace.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'tools/call',
        'mandate POST /v1/decisions',
        'POST /v1/decisions',
        'filesystem tools/call',
      ]),
    );
    const clientSpans = inTrace.filter((s) => s.name === 'mandate POST /v1/decisions');
    const serverSpans = inTrace.filter((s) => s.name === 'POST /v1/decisions');
    for (const server of serverSpans) {
      expect(clientSpans.map((c) => c.spanContext().spanId)).toContain(parentOf(server));
    }
    const upstream = inTrace.find((s) => s.name === 'filesystem tools/call')!;
    expect(parentOf(upstream)).toBe(root!.spanContext().spanId);

    const [row] = await world.h.dataSource.query<
      Array<{ facts: { traceId?: string; sandboxProfile?: { name: string } } }>
    >(
      `SELECT facts FROM decisions WHERE org_id = $1 AND tool = 'read_text_file' AND phase = 'call' ORDER BY decided_at DESC LIMIT 1`,
      [world.org.orgId],
    );
    expect(row?.facts.traceId).toBe(traceId);
    expect(row?.facts.sandboxProfile?.name).toBe('fs-one-directory');

    const echoed = await world.client.callTool({ name: 'hostile__trace', arguments: {} });
    const meta = JSON.parse(textOf(echoed)) as { traceparent?: string };
    expect(meta.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('a file outside the profile’s directory never reaches the client, though the server and the gates allow the call', async () => {
    const result = await world.client.callTool({
      name: 'filesystem__read_text_file',
      arguments: { path: join(world.dir, 'outside-secret.txt') },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result)).not.toContain('must never be read');
  });

  it('an allowlist profile reaches the listed host:port through the gateway’s egress proxy, nothing else', async () => {
    const through = await world.client.callTool({
      name: 'netbox__proxy_connect',
      arguments: { host: '127.0.0.1', port: listenerPort },
    });
    expect(textOf(through)).toContain('hello through the egress proxy');
    const elsewhere = await world.client.callTool({
      name: 'netbox__proxy_connect',
      arguments: { host: 'example.com', port: 443 },
    });
    expect(textOf(elsewhere)).toContain('403');
    const direct = await world.client.callTool({
      name: 'netbox__connect',
      arguments: { host: '127.0.0.1', port: listenerPort },
    });
    expect(textOf(direct)).toContain('ECONNREFUSED');
  });

  it('a hostile server’s violation is audited and quarantines it; the other server keeps serving', async () => {
    const attempt = await world.client.callTool({
      name: 'hostile__read_file',
      arguments: { path: join(home, '.ssh', 'id_ed25519') },
    });
    expect(JSON.stringify(attempt)).not.toContain(KEY_TEXT);

    const quarantined = await waitFor(async () => {
      const events = await eventsOf(world.h.dataSource, 'sandbox.server_quarantined', world.org.orgId);
      return events.length > 0;
    });
    expect(quarantined).toBe(true);
    const violation = (
      await eventsOf(world.h.dataSource, 'sandbox.violation_reported', world.org.orgId)
    ).find((e) => e.data.server === 'hostile');
    expect(violation?.data).toMatchObject({
      server: 'hostile',
      kind: 'filesystem',
      profile: { name: 'hostile-jail' },
      reportedDigest: expect.stringMatching(/^sha256:/),
    });

    const refused = await world.client.callTool({ name: 'hostile__echo', arguments: { text: 'hi' } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/quarantined/);

    const served = await world.client.callTool({
      name: 'filesystem__read_text_file',
      arguments: { path: join(world.fsRoot, 'hello.txt') },
    });
    expect(textOf(served)).toContain('hello from the filesystem server');
  });
});

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

async function waitFor(check: () => Promise<boolean>, attempts = 100): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
