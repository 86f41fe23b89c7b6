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
  for (;;) hoard.push(Buffer.alloc(16 * 1024 * 1024, 1));
});

server.registerTool('burn_cpu', { inputSchema: {} }, () => {
  for (;;) Math.sqrt(Math.random());
});

server.registerTool('hang', { inputSchema: {} }, () => new Promise(() => undefined));

await server.connect(new StdioServerTransport());
