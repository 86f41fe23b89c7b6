import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  SandboxedStdioTransport,
  buildSandboxCommand,
  nodeHostFileSystem,
  parseSandboxProfileSpec,
  type BuildSandboxOptions,
  type LaunchSpec,
  type SandboxHost,
  type SandboxProfileSpec,
  type SandboxViolation,
} from '@mandate/sandbox';

export const HOSTILE_SERVER = resolve(__dirname, 'hostile-server.mjs');
export const FILESYSTEM_SERVER = resolve(
  __dirname,
  '../../../node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
);

/** A scratch tree every sandbox user can traverse: a fake home with a key, a work dir and an outside dir. */
export class SandboxScratch {
  readonly root = mkdtempSync(join(tmpdir(), 'mandate-sandbox-'));
  readonly home = join(this.root, 'home');
  readonly work = join(this.root, 'work');
  readonly outside = join(this.root, 'outside');
  readonly sshKey = join(this.home, '.ssh', 'id_ed25519');
  static readonly KEY_TEXT = 'PRIVATE KEY: do-not-leak-7f3a';

  constructor() {
    chmodSync(this.root, 0o755);
    mkdirSync(join(this.home, '.ssh'), { recursive: true, mode: 0o755 });
    chmodSync(this.home, 0o755);
    chmodSync(join(this.home, '.ssh'), 0o755);
    writeFileSync(this.sshKey, SandboxScratch.KEY_TEXT, { mode: 0o644 });
    for (const dir of [this.work, this.outside]) {
      mkdirSync(dir);
      chmodSync(dir, 0o777); // only the sandbox may stop writes here, never the file mode
    }
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function profile(input: Record<string, unknown>): SandboxProfileSpec {
  const parsed = parseSandboxProfileSpec(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.spec;
}

/** A sandboxed MCP server driven by a real MCP SDK client; collects its violations. */
export class SandboxedServerHandle {
  readonly violations: SandboxViolation[] = [];
  readonly stderr: string[] = [];
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  readonly client = new Client({ name: 'sandbox-test', version: '1.0.0' });
  readonly transport: SandboxedStdioTransport;

  constructor(
    spec: SandboxProfileSpec,
    launch: LaunchSpec,
    host: SandboxHost,
    options: Omit<BuildSandboxOptions, 'fs'> = {},
  ) {
    const command = buildSandboxCommand(spec, launch, host, { fs: nodeHostFileSystem, ...options });
    this.transport = new SandboxedStdioTransport({
      command,
      onViolation: (v) => this.violations.push(v),
      onStderrLine: (line) => this.stderr.push(line),
      onExit: (exit) => (this.exit = exit),
      callTimeoutMs: spec.limits.wallClockMsPerCall,
    });
  }

  async start(): Promise<this> {
    try {
      await this.client.connect(this.transport);
    } catch (error) {
      throw new Error(`sandboxed server did not start: ${String(error)}\n${this.stderr.join('\n')}`, {
        cause: error,
      });
    }
    return this;
  }

  async call(name: string, args: Record<string, unknown> = {}, timeout = 20_000): Promise<CallToolResult> {
    return (await this.client.callTool({ name, arguments: args }, undefined, { timeout })) as CallToolResult;
  }

  async stop(): Promise<void> {
    await this.client.close().catch(() => undefined);
    await this.transport.kill().catch(() => undefined);
  }
}

export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
