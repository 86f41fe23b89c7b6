import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server as McpServer } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { gatewayEnvironment } from '@mandate/config';
import pino from 'pino';
import {
  resolveGatewayConfig,
  type GatewayConfigFile,
} from '../../../apps/gateway/src/config/gateway-config';
import { startGateway, type Gateway } from '../../../apps/gateway/src/gateway';
import { createAgent, gatewayKey } from '../decisions/decisions-harness';
import {
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
  type SeededOrg,
} from '../identity/identity-harness';
import { activateFiles } from '../policies/policy-flow';

const root = resolve(__dirname, '..', '..', '..');
export const EVERYTHING_SERVER = join(
  root,
  'node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);
export const FILESYSTEM_SERVER = join(
  root,
  'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
);

/**
 * The e2e policy: read-only tools are allowed, `get-env` is hidden and refused, high/critical findings of the
 * argument gates deny, `write_file` needs a human approval (and runs once approved), `get-sum`'s result is
 * redacted by an obligation.
 */
export const GATEWAY_POLICY = `package mandate

hidden := {"get-env"}

allowed_calls := {"echo", "get-sum", "read_text_file", "list_directory", "list_allowed_directories", "whoami"}

deny contains sprintf("tool %s is not available to agents", [input.tool.name]) if input.tool.name in hidden

deny contains sprintf("%s finding of %s at %s", [f.severity, f.detector, f.path]) if {
	some f in input.findings
	f.severity in {"high", "critical"}
}

default allow := false

allow if {
	input.phase in {"list", "result"}
	count(deny) == 0
}

allow if {
	input.phase == "call"
	input.tool.name in allowed_calls
	count(deny) == 0
}

allow if {
	input.phase == "call"
	input.approval != null
	count(deny) == 0
}

default require_approval := null

require_approval := {
	"reason": "writing files needs a human",
	"risk": "destructive",
	"approver_groups": ["approvers"],
	"approvals_required": 1,
	"ttl_seconds": 3600,
} if {
	input.phase == "call"
	input.tool.name == "write_file"
	input.approval == null
	count(deny) == 0
}

default redact_result := []

redact_result := ["/content/0/text"] if input.tool.name == "get-sum"

decision := {
	"allow": allow,
	"deny": deny,
	"require_approval": require_approval,
	"obligations": {"redact_result": redact_result},
}
`;

export interface GatewayWorld {
  h: IdentityHarness;
  org: SeededOrg;
  key: string;
  mandateUrl: string;
  fsRoot: string;
  dir: string;
  gateway: Gateway;
  client: Client;
  /** Between the gateway and Mandate when asked for: `down()` makes Mandate unreachable. */
  proxy: CuttableProxy | undefined;
  close(): Promise<void>;
}

/** A loopback HTTP proxy to Mandate that can be cut (connections refused) and restored on the same port. */
export class CuttableProxy {
  private server: Server | undefined;
  private constructor(
    private readonly target: number,
    public port: number,
  ) {}

  static async start(target: number): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(target, 0);
    await proxy.up();
    return proxy;
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const upstream = httpRequest(
        { host: '127.0.0.1', port: this.target, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.down();
  }
}

export function gatewayConfigFor(
  mandateUrl: string,
  fsRoot: string,
  over: Partial<GatewayConfigFile> = {},
): GatewayConfigFile {
  return {
    mandate: {
      url: mandateUrl,
      apiKeyEnv: 'MANDATE_API_KEY',
      timeoutMs: 5_000,
      retries: 1,
      sendOutcome: true,
    },
    agent: { name: 'coder', principal: { id: 'u-42', email: 'ann@acme.example', groups: ['dev'] } },
    approvals: { waitSeconds: 20, elicitation: true },
    listen: { stdio: false, http: { host: '127.0.0.1', port: 0, path: '/mcp' } },
    upstreams: [
      {
        name: 'everything',
        transport: 'stdio',
        command: process.execPath,
        args: [EVERYTHING_SERVER, 'stdio'],
        env: {},
        envPassthrough: [],
      },
      {
        name: 'filesystem',
        transport: 'stdio',
        command: process.execPath,
        args: [FILESYSTEM_SERVER, fsRoot],
        env: {},
        envPassthrough: [],
      },
    ],
    toolCacheSeconds: 30,
    callTimeoutSeconds: 30,
    resultDecision: 'gate',
    ...over,
  };
}

export async function connectClient(url: string): Promise<Client> {
  const client = new Client({ name: 'e2e-agent', version: '1.0.0' }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** Mandate listening on loopback, an organisation with agent `coder`, the policy active, the gateway up. */
export async function startGatewayWorld(
  over:
    | Partial<GatewayConfigFile>
    | ((w: {
        orgId: string;
        mandateUrl: string;
        key: string;
        dir: string;
      }) => Promise<Partial<GatewayConfigFile>>) = {},
  options: {
    env?: Record<string, string>;
    proxy?: boolean;
    /** Variables the gateway may read (besides MANDATE_API_KEY and PATH). */
    gatewayEnv?: Record<string, string>;
  } = {},
): Promise<GatewayWorld> {
  const h = await startIdentityApp({ LOG_LEVEL: 'silent', ...(options.env ?? {}) });
  await h.app.listen(0, '127.0.0.1');
  const address = h.app.getHttpServer().address() as { port: number };
  const proxy = options.proxy ? await CuttableProxy.start(address.port) : undefined;
  const mandateUrl = `http://127.0.0.1:${proxy ? proxy.port : address.port}`;
  const org = await seedOrg(h.app, 'gateway');
  const key = await gatewayKey(h.app, org, 'gateway-e2e');
  await createAgent(h.app, org, 'coder', { trustLevel: 2 });
  await activateFiles(h.app, org.ownerToken, { 'policy.rego': GATEWAY_POLICY });

  const dir = mkdtempSync(join(tmpdir(), 'mandate-gateway-'));
  const fsRoot = join(dir, 'root');
  mkdirSync(fsRoot);
  writeFileSync(join(fsRoot, 'hello.txt'), 'hello from the filesystem server\n');
  writeFileSync(join(dir, 'outside-secret.txt'), 'must never be read\n');

  const fileConfig = gatewayConfigFor(
    mandateUrl,
    fsRoot,
    typeof over === 'function' ? await over({ orgId: org.orgId, mandateUrl, key, dir }) : over,
  );
  const gwEnv = gatewayEnvironment({
    ...(options.gatewayEnv ?? {}),
    MANDATE_API_KEY: key,
    PATH: process.env.PATH ?? '',
  });
  const config = resolveGatewayConfig(fileConfig, gwEnv, dir);
  const logger = pino({ level: process.env.GATEWAY_TEST_LOG_LEVEL ?? 'silent' });
  const gateway = await startGateway(config, gwEnv, logger);
  const client = await connectClient(gateway.http!.url);
  return {
    h,
    org,
    key,
    mandateUrl,
    fsRoot,
    dir,
    gateway,
    client,
    proxy,
    close: async () => {
      await client.close().catch(() => undefined);
      await gateway.close();
      await proxy?.close();
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `tool_call.decided` audit events of the organisation, oldest first, with their parsed payload. */
export async function decidedEvents(
  world: GatewayWorld,
): Promise<Array<{ actorId: string; subjectId: string; data: Record<string, unknown> }>> {
  const rows: Array<{ actor_id: string; subject_id: string; canonical: string }> =
    await world.h.dataSource.query(
      `SELECT actor_id, subject_id, canonical FROM audit_events WHERE org_id = $1 AND type = 'tool_call.decided' ORDER BY seq`,
      [world.org.orgId],
    );
  return rows.map((r) => ({
    actorId: r.actor_id,
    subjectId: r.subject_id,
    data: (JSON.parse(r.canonical) as { data: Record<string, unknown> }).data,
  }));
}

export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}

/**
 * A small MCP server over streamable HTTP (stateless): one tool, `whoami`, answering with the
 * Authorization header it received — to check the gateway's HTTP upstreams and their headers.
 */
export async function startHttpUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer((req, res) => {
    const server = new McpServer({ name: 'remote', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [{ name: 'whoami', description: 'Who called', inputSchema: { type: 'object', properties: {} } }],
    }));
    server.setRequestHandler(CallToolRequestSchema, (_request, extra) => ({
      content: [{ type: 'text', text: `authorization=${String(extra.requestInfo?.headers.authorization)}` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close());
    void server.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const port = (http.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
