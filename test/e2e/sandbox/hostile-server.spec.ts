import { createServer, type Server } from 'node:net';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  preflightSandbox,
  startEgressProxy,
  withWallClock,
  SandboxViolationError,
  type SandboxHost,
  type SandboxViolation,
} from '@mandate/sandbox';
import { HOSTILE_SERVER, SandboxScratch, SandboxedServerHandle, profile, textOf } from './sandbox-support';

/**
 * The acceptance test for the sandbox: a hostile stdio MCP server, driven by a real MCP SDK client under
 * bubblewrap, tries to read ~/.ssh, write outside its directory, open connections, fork many processes,
 * allocate without bound and burn CPU. Each attempt fails or is killed and is reported as a violation,
 * and another sandboxed server keeps serving.
 */
describe('sandbox: hostile MCP server', () => {
  let host: SandboxHost;
  let scratch: SandboxScratch;
  let hostListener: Server;
  let hostPort = 0;

  const spec = (wallClockMsPerCall = 8000) =>
    profile({
      filesystem: { readOnlyRoot: true, read: [scratch.root], write: [scratch.work] },
      network: { mode: 'none' },
      env: { allow: ['PATH'], set: { HOSTILE_MODE: 'on' } },
      limits: {
        cpuSeconds: 2,
        memoryBytes: 2 * 1024 ** 3,
        processes: 24,
        openFiles: 1024,
        wallClockMsPerCall,
      },
    });
  const launch = () => ({
    command: process.execPath,
    args: [HOSTILE_SERVER],
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', GATEWAY_TOKEN: 'must-not-leak', HOME: scratch.home },
    cwd: scratch.work,
  });
  const startHostile = (wallClockMs?: number) =>
    new SandboxedServerHandle(spec(wallClockMs), launch(), host).start();

  beforeAll(async () => {
    scratch = new SandboxScratch();
    host = await preflightSandbox({ homeDir: scratch.home });
    hostListener = createServer((socket) => socket.end('hello from the host\n'));
    await new Promise<void>((resolve) => hostListener.listen(0, '127.0.0.1', resolve));
    const address = hostListener.address();
    hostPort = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => hostListener.close(() => resolve()));
    scratch.dispose();
  });

  it('serves an ordinary call', async () => {
    const server = await startHostile();
    try {
      expect(textOf(await server.call('echo', { text: 'hi' }))).toBe('hi');
      expect(server.violations).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it('hides ~/.ssh: the key is unreadable and its contents never reach the client; reported', async () => {
    const server = await startHostile();
    try {
      const result = await server.call('read_file', { path: scratch.sshKey });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('EACCES');
      expect(JSON.stringify(result)).not.toContain(SandboxScratch.KEY_TEXT);
      await waitFor(() => server.violations.some((v) => v.kind === 'filesystem' && v.source === 'stderr'));
      expect(server.violations).toContainEqual(
        expect.objectContaining({ kind: 'filesystem', source: 'result', tool: 'read_file' }),
      );
    } finally {
      await server.stop();
    }
  });

  it('writes inside its directory but not outside it', async () => {
    const server = await startHostile();
    try {
      const inside = await server.call('write_file', { path: join(scratch.work, 'ok.txt'), content: 'x' });
      expect(inside.isError).toBeFalsy();
      expect(existsSync(join(scratch.work, 'ok.txt'))).toBe(true);

      const target = join(scratch.outside, 'planted.txt');
      const outside = await server.call('write_file', { path: target, content: 'x' });
      expect(outside.isError).toBe(true);
      expect(textOf(outside)).toContain('EROFS');
      expect(existsSync(target)).toBe(false);
      await waitFor(() => server.violations.some((v) => v.kind === 'filesystem'));
    } finally {
      await server.stop();
    }
  });

  it('cannot reach the host network: neither a host loopback listener nor an outside address', async () => {
    const server = await startHostile();
    try {
      const local = await server.call('connect', { host: '127.0.0.1', port: hostPort });
      expect(local.isError).toBe(true);
      expect(textOf(local)).toContain('ECONNREFUSED');
      const remote = await server.call('connect', { host: '1.1.1.1', port: 443 });
      expect(remote.isError).toBe(true);
      expect(textOf(remote)).toMatch(/ENETUNREACH|EHOSTUNREACH/);
      await waitFor(() => server.violations.some((v) => v.kind === 'network'));
    } finally {
      await server.stop();
    }
  });

  it('with a network allowlist reaches only the allowed host:port, through the gateway’s egress proxy', async () => {
    const refused: SandboxViolation[] = [];
    const allowed = `127.0.0.1:${hostPort}`;
    const proxy = await startEgressProxy({ hosts: [allowed], onViolation: (v) => refused.push(v) });
    const allowlisted = profile({
      filesystem: { readOnlyRoot: true, read: [scratch.root], write: [scratch.work] },
      network: { mode: 'allowlist', hosts: [allowed] },
      limits: { memoryBytes: 4 * 1024 ** 3, processes: 64 },
    });
    const server = await new SandboxedServerHandle(allowlisted, launch(), host, {
      egress: { socketDir: proxy.socketDir, socketPath: proxy.socketPath, port: 3128 },
    }).start();
    try {
      const through = await server.call('proxy_connect', { host: '127.0.0.1', port: hostPort });
      expect(through.isError, textOf(through)).toBeFalsy();
      expect(textOf(through)).toContain('hello from the host');

      const otherPort = await server.call('proxy_connect', {
        host: '127.0.0.1',
        port: hostPort === 1 ? 2 : hostPort - 1,
      });
      expect(textOf(otherPort)).toContain('403');
      const elsewhere = await server.call('proxy_connect', { host: 'example.com', port: 443 });
      expect(textOf(elsewhere)).toContain('403');
      expect(refused.map((v) => v.kind)).toEqual(['network', 'network']);

      const direct = await server.call('connect', { host: '127.0.0.1', port: hostPort });
      expect(textOf(direct)).toContain('ECONNREFUSED');
    } finally {
      await server.stop();
      await proxy.close();
    }
  });

  it('cannot fork more processes than the limit', async () => {
    const server = await startHostile();
    try {
      const result = await server.call('fork_many', { count: 60 });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('EAGAIN');
      await waitFor(() => server.violations.some((v) => v.kind === 'process_limit'));
    } finally {
      await server.stop();
    }
  });

  it('cannot allocate without bound', async () => {
    const server = await startHostile();
    try {
      const outcome = await server.call('allocate').then(
        (r) => textOf(r),
        (e: Error) => e.message,
      );
      expect(outcome).toMatch(/allocation failed|out of memory|closed/i);
      await waitFor(
        () => server.violations.some((v) => v.kind === 'memory_limit'),
        100,
        () => debug(server),
      );
    } finally {
      await server.stop();
    }
  });

  it('is killed when it exceeds its CPU time, while another sandboxed server keeps serving', async () => {
    const [victim, bystander] = await Promise.all([startHostile(), startHostile()]);
    try {
      await expect(victim.call('burn_cpu')).rejects.toThrow();
      await waitFor(
        () => victim.violations.some((v) => v.kind === 'cpu_limit'),
        100,
        () => debug(victim),
      );
      expect(victim.exit?.code ?? victim.exit?.signal).toBeTruthy();
      expect(textOf(await bystander.call('echo', { text: 'still here' }))).toBe('still here');
    } finally {
      await Promise.all([victim.stop(), bystander.stop()]);
    }
  });

  it('a call over the wall-clock limit kills the whole sandbox and is reported', async () => {
    const server = await startHostile(1500);
    try {
      await expect(server.call('hang')).rejects.toThrow();
      await waitFor(() => server.exit !== undefined, 200);
      expect(server.violations).toContainEqual(expect.objectContaining({ kind: 'wall_clock', tool: 'hang' }));
      // Killing the sandbox is the gateway's doing: the exit itself is not a second violation.
      expect(server.violations.filter((v) => v.source === 'exit')).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it('withWallClock fails the call with a wall_clock violation and runs the kill', async () => {
    const server = await startHostile();
    try {
      const error = await withWallClock(server.call('hang'), 500, () => server.transport.kill()).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SandboxViolationError);
      expect((error as SandboxViolationError).violation.kind).toBe('wall_clock');
      expect(server.exit).toBeDefined();
    } finally {
      await server.stop();
    }
  });

  it('sees only the allowed and declared environment', async () => {
    writeFileSync(join(scratch.work, 'env-probe.txt'), '');
    const server = await startHostile();
    try {
      const result = await server.call('read_file', { path: '/proc/self/environ' });
      const env = textOf(result);
      expect(env).toContain('HOSTILE_MODE=on');
      expect(env).toContain('PATH=');
      expect(env).not.toContain('must-not-leak');
      expect(env).not.toContain('HOME=');
    } finally {
      await server.stop();
    }
  });
});

async function waitFor(
  check: () => boolean,
  attempts = 100,
  explain: () => string = () => '',
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(check(), explain()).toBe(true);
}

function debug(server: SandboxedServerHandle): string {
  return JSON.stringify({
    exit: server.exit,
    violations: server.violations,
    stderr: server.stderr.slice(-5),
  });
}
