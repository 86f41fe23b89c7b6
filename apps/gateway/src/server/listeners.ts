import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { PolicyEnforcer } from '../enforcement/policy-enforcer';
import { createGatewayServer } from './gateway-server';

/** Most concurrent streamable-HTTP sessions; the oldest is closed to make room. */
const MAX_SESSIONS = 1000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Serves the gateway over stdio (this process's stdin/stdout). `onClose` runs when the client goes away
 * (stdin ends), so the process can stop its upstreams and exit.
 */
export async function listenStdio(
  enforcer: PolicyEnforcer,
  logger: Logger,
  onClose?: () => void,
): Promise<() => Promise<void>> {
  const server = createGatewayServer(enforcer, logger);
  const transport = new StdioServerTransport();
  server.onclose = () => onClose?.();
  await server.connect(transport);
  process.stdin.once('end', () => void server.close());
  return () => server.close();
}

export interface HttpListener {
  url: string;
  close(): Promise<void>;
}

/** Serves the gateway over MCP streamable HTTP at `http://host:port/path` (one MCP session per client). */
export async function listenHttp(
  enforcer: PolicyEnforcer,
  logger: Logger,
  options: { host: string; port: number; path: string },
): Promise<HttpListener> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let loopbackHosts: string[] | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname !== options.path) return reply(res, 404, 'not found');
    const sessionId = header(req, 'mcp-session-id');
    let body: unknown;
    if (req.method === 'POST') {
      body = await readJson(req);
      if (body === TOO_LARGE) return reply(res, 413, 'request too large');
      if (body === MALFORMED) return reply(res, 400, 'malformed JSON');
    }
    const known = sessionId ? sessions.get(sessionId) : undefined;
    if (known) return known.handleRequest(req, res, body);
    if (sessionId) return reply(res, 404, 'unknown session');
    if (req.method !== 'POST' || !isInitializeRequest(body)) return reply(res, 400, 'initialize first');

    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // On loopback, refuse other Host headers (DNS rebinding from a web page in the user's browser).
      ...(loopbackHosts ? { enableDnsRebindingProtection: true, allowedHosts: loopbackHosts } : {}),
      onsessioninitialized: (id) => {
        if (sessions.size >= MAX_SESSIONS) {
          const oldest = sessions.keys().next().value;
          if (oldest !== undefined) void sessions.get(oldest)?.close();
        }
        sessions.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    const server = createGatewayServer(enforcer, logger);
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http: HttpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'MCP HTTP request failed');
      if (!res.headersSent) reply(res, 500, 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  if (LOOPBACK.has(options.host)) {
    loopbackHosts = ['127.0.0.1', 'localhost', '[::1]'].map((h) => `${h}:${address.port}`);
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${options.path}`,
    close: async () => {
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const TOO_LARGE = Symbol('too large');
const MALFORMED = Symbol('malformed');

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(TOO_LARGE);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(MALFORMED);
      }
    });
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}
