import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { describeWithPostgres } from '../../support';
import { call } from '../identity/identity-harness';
import {
  decidedEvents,
  gatewayConfigFor,
  startGatewayWorld,
  startHttpUpstream,
  textOf,
  type GatewayWorld,
} from './gateway-harness';

/** JSON of arbitrary shape, asserted on by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

describeWithPostgres('reference gateway: real MCP servers behind Mandate', () => {
  let world: GatewayWorld;

  let remote: Awaited<ReturnType<typeof startHttpUpstream>>;

  beforeAll(async () => {
    remote = await startHttpUpstream();
    world = await startGatewayWorld(
      ({ mandateUrl, dir }) => {
        const base = gatewayConfigFor(mandateUrl, join(dir, 'root'));
        return Promise.resolve({
          upstreams: [
            ...base.upstreams,
            {
              name: 'remote',
              transport: 'http',
              url: remote.url,
              headersFromEnv: { Authorization: 'REMOTE_AUTH' },
            },
          ],
        });
      },
      { gatewayEnv: { REMOTE_AUTH: 'Bearer remote-secret' } },
    );
  }, 120_000);
  afterAll(async () => {
    await world?.close();
    await remote?.close();
  });

  it('lists the tools of both upstreams, namespaced, without the tool the policy denies', async () => {
    const { tools } = await world.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('everything__echo');
    expect(names).toContain('filesystem__read_text_file');
    expect(names).toContain('filesystem__write_file');
    expect(names).not.toContain('everything__get-env');
    // The definitions are the upstream's own, under the namespaced name.
    const echo = tools.find((t) => t.name === 'everything__echo')!;
    expect(echo.inputSchema.properties).toHaveProperty('message');
  });

  it('forwards an allowed call and returns the upstream server’s real result', async () => {
    const echoed = await world.client.callTool({
      name: 'everything__echo',
      arguments: { message: 'hi mandate' },
    });
    expect(echoed.isError, textOf(echoed)).toBeFalsy();
    expect(textOf(echoed)).toContain('hi mandate');

    const read = await world.client.callTool({
      name: 'filesystem__read_text_file',
      arguments: { path: join(world.fsRoot, 'hello.txt') },
    });
    expect(read.isError, textOf(read)).toBeFalsy();
    expect(textOf(read)).toBe('hello from the filesystem server\n');
  });

  it('proxies a streamable-HTTP upstream, sending the headers named in its configuration', async () => {
    const { tools } = await world.client.listTools();
    expect(tools.map((t) => t.name)).toContain('remote__whoami');
    const who = await world.client.callTool({ name: 'remote__whoami', arguments: {} });
    expect(who.isError, textOf(who)).toBeFalsy();
    expect(textOf(who)).toBe('authorization=Bearer remote-secret');
  });

  it('refuses a call of the denied tool with the policy’s reasons, without calling the upstream', async () => {
    const refused = await world.client.callTool({ name: 'everything__get-env', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('tool get-env is not available to agents');
    expect(textOf(refused)).not.toContain('PATH');
    expect(refused._meta).toMatchObject({ mandate: { decision: 'deny' } });
  });

  it('refuses an unknown tool name', async () => {
    const unknown = await world.client.callTool({ name: 'nowhere__echo', arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('Unknown tool');
  });

  it('applies a result-redaction obligation before the client sees the result', async () => {
    const sum = await world.client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } });
    expect(sum.isError, textOf(sum)).toBeFalsy();
    expect(textOf(sum)).toBe('[redacted]');
  });

  it('blocks a path-traversal argument with the argument gates before the filesystem server sees it', async () => {
    const res = await world.client.callTool({
      name: 'filesystem__read_text_file',
      arguments: { path: `${world.fsRoot}/../outside-secret.txt` },
    });
    expect(res.isError).toBe(true);
    expect(res._meta).toMatchObject({ mandate: { decision: 'deny' } });
    expect(textOf(res)).toMatch(/finding of path-traversal at \/path/);
    expect(textOf(res)).not.toContain('must never be read');
  });

  it('holds a destructive call until it is approved through the API, then runs it', async () => {
    const { h, org } = world;
    const group = await call(h.app, {
      method: 'POST',
      url: '/v1/approver-groups',
      token: org.ownerToken,
      body: { name: 'approvers', memberIds: [org.members.approver.id] },
    });
    expect(group.status, group.raw).toBe(201);
    const target = join(world.fsRoot, 'approved.txt');
    // A client that supports URL-mode elicitation is shown the approval URL while the gateway waits.
    const client = new Client(
      { name: 'e2e-approver-ui', version: '1.0.0' },
      { capabilities: { elicitation: { url: {} } } },
    );
    const elicited: Array<Record<string, unknown>> = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      elicited.push(request.params);
      return { action: 'accept' };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(world.gateway.http!.url)));
    const running = client.callTool(
      { name: 'filesystem__write_file', arguments: { path: target, content: 'approved content' } },
      undefined,
      { timeout: 60_000 },
    );
    let approvalId: string | undefined;
    for (let i = 0; i < 100 && !approvalId; i += 1) {
      const list = await call(h.app, {
        method: 'GET',
        url: '/v1/approvals?state=pending',
        token: org.tokens.approver,
      });
      approvalId = (list.body?.items as Array<{ id: string; tool: string }> | undefined)?.find(
        (a) => a.tool === 'write_file',
      )?.id;
      if (!approvalId) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(approvalId).toBeDefined();
    // Nothing ran yet.
    expect(() => readFileSync(target)).toThrow();
    const approved = await call(h.app, {
      method: 'POST',
      url: `/v1/approvals/${approvalId}/approve`,
      token: org.tokens.approver,
      body: { reason: 'looks fine' },
    });
    expect(approved.status, approved.raw).toBe(200);
    const res = await running;
    expect(res.isError, textOf(res)).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('approved content');
    expect(elicited).toHaveLength(1);
    expect(elicited[0]).toMatchObject({ mode: 'url', elicitationId: approvalId });
    expect(String(elicited[0].url)).toContain(approvalId!);
    await client.close();
  });

  it('refuses MCP requests with a foreign Host header on the loopback listener (DNS rebinding)', async () => {
    const url = new URL(world.gateway.http!.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            host: 'evil.example',
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'x', version: '1' },
          },
        }),
      );
    });
    expect(status).toBe(403);
  });

  it('records every step in the audit log with the agent and the outcome', async () => {
    const events = await decidedEvents(world);
    const agentId = events[0]?.actorId;
    expect(agentId).toBeTruthy();
    for (const e of events) {
      expect(e.actorId).toBe(agentId);
      expect(e.data.agent).toBe('coder');
    }
    const find = (tool: string, phase: string) =>
      events.filter((e) => e.data.tool === tool && e.data.phase === phase).map((e) => e.data.decision);
    expect(find('get-env', 'list')).toContain('deny');
    expect(find('echo', 'list')).toContain('allow');
    expect(find('echo', 'call')).toEqual(['allow']);
    expect(find('echo', 'result')).toEqual(['allow']);
    expect(find('get-env', 'call')).toEqual(['deny']);
    expect(find('get-env', 'result')).toEqual([]);
    expect(find('read_text_file', 'call')).toEqual(['allow', 'deny']);
    expect(find('write_file', 'call')).toEqual(['pending_approval', 'allow']);
    expect(find('write_file', 'result')).toEqual(['allow']);
    const approvedCall = events.filter((e) => e.data.tool === 'write_file' && e.data.phase === 'call')[1];
    expect((approvedCall.data.input as Loose).approval).toMatchObject({ status: 'approved' });
    expect(events.find((e) => e.data.tool === 'echo' && e.data.phase === 'call')?.subjectId).toBe(
      'everything/echo',
    );
    // The principal the gateway acts for and its session reach the policy input.
    const input = events.find((e) => e.data.tool === 'echo' && e.data.phase === 'call')?.data.input as Loose;
    expect(input.principal).toMatchObject({ id: 'u-42', groups: ['dev'] });
    expect(typeof input.context.session).toBe('string');
    expect(input.tool.digest).toMatch(/^sha256:/);
    // How the upstream call went is recorded with the result decision.
    const echoResult = events.find((e) => e.data.tool === 'echo' && e.data.phase === 'result');
    expect(echoResult?.data.facts).toMatchObject({ callStatus: 'ok' });
    expect(typeof (echoResult?.data.facts as Loose).callDurationMs).toBe('number');
  });
});
