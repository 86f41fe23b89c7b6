import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { GatewayEnvironment } from '@mandate/config';
import type { Logger } from 'pino';
import type { UpstreamConfig } from '../config/gateway-config';
import type { UpstreamHooks } from '../sandbox/upstream-hooks';
import { spawnParameters } from './spawn-parameters';

/** Most pages of tools/list followed per upstream (a server that pages forever cannot hang the gateway). */
const MAX_LIST_PAGES = 50;
const STDERR_LINE_LIMIT = 2000;

export interface UpstreamTools {
  upstream: string;
  /** The server's URL as reported to Mandate (`stdio://<name>` for a spawned server without one). */
  url: string;
  tools: Tool[];
}

/** One connected upstream MCP server (an SDK Client over stdio or streamable HTTP). */
class Upstream {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;

  constructor(
    readonly config: UpstreamConfig,
    private readonly env: GatewayEnvironment,
    private readonly logger: Logger,
    private readonly hooks: UpstreamHooks = {},
  ) {}

  get url(): string {
    return this.config.url ?? `stdio://${this.config.name}`;
  }

  connection(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Client> {
    const client = new Client({ name: 'mandate-gateway', version: '0.1.0' }, { capabilities: {} });
    const transport =
      this.config.transport === 'stdio'
        ? ((await this.hooks.sandbox?.transport(this.config.name, spawnParameters(this.config, this.env))) ??
          this.stdioTransport(this.config))
        : new StreamableHTTPClientTransport(new URL(this.config.url), {
            requestInit: { headers: this.headers(this.config.headersFromEnv) },
          });
    client.onclose = () => {
      if (this.client === client) this.client = undefined;
      this.logger.warn({ upstream: this.config.name }, 'upstream connection closed');
    };
    client.onerror = (error) =>
      this.logger.warn({ upstream: this.config.name, err: error }, 'upstream error');
    await client.connect(this.hooks.instrument?.(this.config.name, transport) ?? transport);
    this.client = client;
    this.logger.info({ upstream: this.config.name, transport: this.config.transport }, 'upstream connected');
    return client;
  }

  private stdioTransport(config: Extract<UpstreamConfig, { transport: 'stdio' }>): StdioClientTransport {
    const transport = new StdioClientTransport(spawnParameters(config, this.env));
    let pending = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()?.slice(-STDERR_LINE_LIMIT) ?? '';
      for (const line of lines) {
        if (line.trim())
          this.logger.debug(
            { upstream: config.name, stderr: line.slice(0, STDERR_LINE_LIMIT) },
            'upstream stderr',
          );
      }
    });
    return transport;
  }

  private headers(fromEnv: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [header, name] of Object.entries(fromEnv)) {
      const value = this.env.variable(name);
      if (value !== undefined) out[header] = value;
    }
    return out;
  }

  async listTools(): Promise<Tool[]> {
    const client = await this.connection();
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const answer = await client.listTools(cursor ? { cursor } : undefined);
      tools.push(...answer.tools);
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  async callTool(
    name: string,
    args: Record<string, unknown>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<CallToolResult> {
    const client = await this.connection();
    const result = await client.callTool({ name, arguments: args }, undefined, {
      timeout: timeoutMs,
      signal,
    });
    return result as CallToolResult;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }
}

/** The gateway's upstream MCP servers, connected lazily and reconnected after a close. */
export class UpstreamManager {
  private readonly upstreams = new Map<string, Upstream>();

  constructor(configs: UpstreamConfig[], env: GatewayEnvironment, logger: Logger, hooks: UpstreamHooks = {}) {
    for (const config of configs) this.upstreams.set(config.name, new Upstream(config, env, logger, hooks));
  }

  names(): string[] {
    return [...this.upstreams.keys()];
  }

  has(name: string): boolean {
    return this.upstreams.has(name);
  }

  urlOf(name: string): string {
    return this.require(name).url;
  }

  /** Connects every upstream (failures are reported per upstream, not thrown). */
  async connectAll(): Promise<Array<{ upstream: string; error: unknown }>> {
    const failures: Array<{ upstream: string; error: unknown }> = [];
    await Promise.all(
      [...this.upstreams.values()].map((u) =>
        u.connection().then(
          () => undefined,
          (error: unknown) => void failures.push({ upstream: u.config.name, error }),
        ),
      ),
    );
    return failures;
  }

  /** Lists every upstream's tools; an upstream that fails is left out (and reported in `failed`). */
  async listAll(): Promise<{ listed: UpstreamTools[]; failed: Array<{ upstream: string; error: unknown }> }> {
    const listed: UpstreamTools[] = [];
    const failed: Array<{ upstream: string; error: unknown }> = [];
    await Promise.all(
      [...this.upstreams.values()].map(async (u) => {
        try {
          listed.push({ upstream: u.config.name, url: u.url, tools: await u.listTools() });
        } catch (error) {
          failed.push({ upstream: u.config.name, error });
        }
      }),
    );
    listed.sort((a, b) => a.upstream.localeCompare(b.upstream));
    return { listed, failed };
  }

  callTool(
    upstream: string,
    tool: string,
    args: Record<string, unknown>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<CallToolResult> {
    return this.require(upstream).callTool(tool, args, timeoutMs, signal);
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.upstreams.values()].map((u) => u.close()));
  }

  private require(name: string): Upstream {
    const upstream = this.upstreams.get(name);
    if (!upstream) throw new Error(`unknown upstream ${name}`);
    return upstream;
  }
}
