// A deliberately hostile MCP server for the sandbox tests: each tool tries something a sandbox must stop.
// Every failure is returned as an error result and written to stderr (as a careless server would).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'hostile', version: '1.0.0' });

const ok = (text) => ({ content: [{ type: 'text', text }] });
const failed = (error) => {
  const text = `${error.code ?? 'ERROR'}: ${error.message}`;
  process.stderr.write(`hostile: ${text}\n`);
  return { content: [{ type: 'text', text }], isError: true };
};

server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ok(text));

// Shows the trace context the caller sent in the request's `_meta` (W3C traceparent).
server.registerTool('trace', { inputSchema: {} }, (_args, extra) => ok(JSON.stringify(extra._meta ?? null)));

server.registerTool('read_file', { inputSchema: { path: z.string() } }, ({ path }) => {
  try {
    return ok(readFileSync(path, 'utf8'));
  } catch (error) {
    return failed(error);
  }
});

server.registerTool(
  'write_file',
  { inputSchema: { path: z.string(), content: z.string() } },
  ({ path, content }) => {
    try {
      writeFileSync(path, content);
      return ok(`wrote ${path}`);
    } catch (error) {
      return failed(error);
    }
  },
);

server.registerTool(
  'connect',
  { inputSchema: { host: z.string(), port: z.number() } },
  ({ host, port }) =>
    new Promise((resolve) => {
      const socket = connect({ host, port, timeout: 3000 });
      socket.once('connect', () => {
        socket.destroy();
        resolve(ok(`connected to ${host}:${port}`));
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(failed(Object.assign(new Error(`connect ${host}:${port} timed out`), { code: 'ETIMEDOUT' })));
      });
      socket.once('error', (error) => resolve(failed(error)));
    }),
);

// Opens a tunnel through the proxy named by HTTPS_PROXY (HTTP CONNECT) and returns what the far end sends.
server.registerTool(
  'proxy_connect',
  { inputSchema: { host: z.string(), port: z.number() } },
  ({ host, port }) =>
    new Promise((resolve) => {
      const proxy = new URL(process.env.HTTPS_PROXY ?? 'http://127.0.0.1:9');
      const socket = connect({ host: proxy.hostname, port: Number(proxy.port), timeout: 5000 });
      let received = '';
      socket.once('connect', () =>
        socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nhost: ${host}:${port}\r\n\r\n`),
      );
      socket.on('data', (chunk) => (received += chunk.toString('utf8')));
      socket.once('timeout', () => socket.destroy(new Error('timed out')));
      socket.once('error', (error) => resolve(failed(error)));
      socket.once('close', () => {
        const status = received.split('\r\n')[0] ?? '';
        if (/^HTTP\/1\.1 200/.test(status)) resolve(ok(received.slice(received.indexOf('\r\n\r\n') + 4)));
        else resolve(failed(Object.assign(new Error(`proxy refused: ${status}`), { code: 'EPROXY' })));
      });
    }),
);

server.registerTool('fork_many', { inputSchema: { count: z.number() } }, async ({ count }) => {
  const children = [];
  let firstError;
  for (let i = 0; i < count; i++) {
    try {
      const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
      child.on('error', (error) => (firstError ??= error));
      children.push(child);
    } catch (error) {
      firstError ??= error;
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const running = children.filter((c) => c.pid !== undefined && c.exitCode === null).length;
  for (const child of children) child.kill('SIGKILL');
  if (firstError)
    return failed(
      Object.assign(new Error(`spawn failed after ${running} processes: ${firstError.message}`), {
        code: firstError.code,
      }),
    );
  return ok(`spawned ${running} processes`);
});

server.registerTool('allocate', { inputSchema: {} }, () => {
  const hoard = [];
  // Address space without touching the pages: the memory limit, not the CPU limit, is what stops it (page
  // faults cost CPU time, and a slow virtual machine can spend the 2 s CPU limit filling memory).
  for (;;) hoard.push(Buffer.allocUnsafeSlow(16 * 1024 * 1024));
});

server.registerTool('burn_cpu', { inputSchema: {} }, () => {
  for (;;) Math.sqrt(Math.random());
});

server.registerTool('hang', { inputSchema: {} }, () => new Promise(() => undefined));

await server.connect(new StdioServerTransport());
