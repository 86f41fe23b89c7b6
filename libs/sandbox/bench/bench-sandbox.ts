/**
 * Benchmark of the sandbox (prints figures; no assertions): the cost bubblewrap adds to an MCP stdio
 * server, measured with a minimal Node echo server driven by the MCP SDK client over the same transport:
 * - start: spawn → MCP initialize handshake → first tools/list answered, unsandboxed vs. sandboxed
 *   (read-only root, private namespaces, rlimits, and a uid switch when run as root);
 * - per call: tools/call echo round trips on a warm server, unsandboxed vs. sandboxed;
 * - the preflight (run once when a gateway starts).
 *
 *   npm run bench:sandbox [-- --starts N --calls M]   (defaults N = 10, M = 500)
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { buildSandboxCommand, type SandboxCommand } from '../src/launch/build-sandbox-command';
import { nodeHostFileSystem, preflightSandbox } from '../src/launch/sandbox-preflight';
import { SandboxedStdioTransport } from '../src/launch/sandboxed-stdio.transport';
import { parseSandboxProfileSpec } from '../src/profile/sandbox-profile';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the benchmark');
    dir = parent;
  }
  return dir;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return `median ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms, mean ${mean.toFixed(2)} ms`;
}

async function connect(
  command: SandboxCommand,
): Promise<{ client: Client; transport: SandboxedStdioTransport }> {
  const transport = new SandboxedStdioTransport({ command });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

async function startTimes(command: SandboxCommand, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const { client, transport } = await connect(command);
    await client.listTools();
    samples.push(performance.now() - started);
    await client.close();
    await transport.kill();
  }
  return samples;
}

async function callTimes(command: SandboxCommand, n: number): Promise<number[]> {
  const { client, transport } = await connect(command);
  try {
    for (let i = 0; i < 50; i++) await client.callTool({ name: 'echo', arguments: { text: 'warm' } });
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      await client.callTool({ name: 'echo', arguments: { text: `call ${i}` } });
      samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    await client.close();
    await transport.kill();
  }
}

async function main(): Promise<void> {
  const starts = arg('starts', 10);
  const calls = arg('calls', 500);
  const server = join(repoRoot(), 'libs/sandbox/bench/echo-server.mjs');
  console.log(
    `sandbox benchmark: node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()[0]?.toFixed(2)}, ` +
      `${starts} starts and ${calls} calls per variant`,
  );

  const preflightStarted = performance.now();
  const host = await preflightSandbox();
  console.log(
    `preflight (bwrap probe): ${(performance.now() - preflightStarted).toFixed(1)} ms` +
      (host.runAs ? ` (as uid ${host.runAs.uid})` : ''),
  );

  const parsed = parseSandboxProfileSpec({ limits: { memoryBytes: 4 * 1024 ** 3 } });
  if (!parsed.ok) throw new Error('benchmark profile invalid');
  const plain: SandboxCommand = { command: process.execPath, args: [server], env: {}, droppedEnv: [] };
  const sandboxed = buildSandboxCommand(
    parsed.spec,
    { command: process.execPath, args: [server], env: {} },
    host,
    {
      fs: nodeHostFileSystem,
    },
  );

  const plainStarts = await startTimes(plain, starts);
  const boxedStarts = await startTimes(sandboxed, starts);
  console.log(`server start, unsandboxed: ${summary(plainStarts)}`);
  console.log(`server start, sandboxed:   ${summary(boxedStarts)}`);
  const plainCalls = await callTimes(plain, calls);
  const boxedCalls = await callTimes(sandboxed, calls);
  console.log(`tools/call, unsandboxed:   ${summary(plainCalls)}`);
  console.log(`tools/call, sandboxed:     ${summary(boxedCalls)}`);
  const median = (s: number[]) =>
    percentile(
      [...s].sort((a, b) => a - b),
      50,
    );
  console.log(
    `overhead: start +${(median(boxedStarts) - median(plainStarts)).toFixed(2)} ms per server, ` +
      `call ${(median(boxedCalls) - median(plainCalls)).toFixed(3)} ms per call (medians)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
