import { lookup } from 'node:dns/promises';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { SandboxViolation } from '../violations/sandbox-violation';
import { matchEgress, parseEgressRule, type EgressRule } from './egress-allowlist';

const MAX_HEADER_BYTES = 8 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

export interface EgressProxyOptions {
  /** The profile's `network.hosts`. */
  readonly hosts: readonly string[];
  /** A refused CONNECT (not on the allowlist, or a name resolving to a private address). */
  readonly onViolation?: (violation: SandboxViolation) => void;
  /** Resolves names (default: the system resolver); tests inject a fake. */
  readonly resolve?: (host: string) => Promise<string[]>;
}

/** Where a sandbox reaches the proxy: a unix socket in its own directory (bound into the sandbox). */
export interface EgressProxy {
  readonly socketDir: string;
  readonly socketPath: string;
  close(): Promise<void>;
}

/**
 * The gateway side of a sandbox's network allowlist: an HTTP CONNECT proxy on a unix socket. A tunnel is
 * opened only to an allowlisted `host:port`; a host name must not resolve to a private, loopback or
 * link-local address (unless the allowlist names that IP literally), so the allowlist cannot be turned
 * into SSRF. Everything else is answered 403 and reported as a `network` violation.
 */
export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const rules = options.hosts.map(parseEgressRule);
  const resolve =
    options.resolve ?? (async (host: string) => (await lookup(host, { all: true })).map((a) => a.address));
  const socketDir = mkdtempSync(join(tmpdir(), 'mandate-egress-'));
  chmodSync(socketDir, 0o755);
  const socketPath = join(socketDir, 'proxy.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    handle(client, rules, resolve, options.onViolation, sockets);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(socketPath, () => done());
  });
  chmodSync(socketPath, 0o666); // the sandbox runs as another (unprivileged) user
  return {
    socketDir,
    socketPath,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

function handle(
  client: Socket,
  rules: readonly EgressRule[],
  resolve: (host: string) => Promise<string[]>,
  onViolation: EgressProxyOptions['onViolation'],
  sockets: Set<Socket>,
): void {
  let head = Buffer.alloc(0);
  client.on('error', () => client.destroy());
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_HEADER_BYTES) refuse(client, 431, 'Request Header Fields Too Large');
      return;
    }
    client.off('data', onData);
    client.pause();
    const rest = head.subarray(end + 4);
    const [method, target] = head.subarray(0, end).toString('latin1').split('\r\n')[0]?.split(' ') ?? [];
    const parsed = method === 'CONNECT' && target ? /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(target) : null;
    if (!parsed?.[1]) {
      refuse(client, 405, 'Only CONNECT tunnels are allowed');
      return;
    }
    const host = parsed[1];
    const port = Number(parsed[2]);
    void open(client, rules, resolve, host, port, rest, sockets).catch((error: unknown) => {
      onViolation?.({
        kind: 'network',
        source: 'gateway',
        detail:
          `egress to ${host}:${port} refused: ${error instanceof Error ? error.message : String(error)}`.slice(
            0,
            300,
          ),
      });
      refuse(client, 403, 'Forbidden');
    });
  };
  client.on('data', onData);
}

async function open(
  client: Socket,
  rules: readonly EgressRule[],
  resolve: (host: string) => Promise<string[]>,
  host: string,
  port: number,
  rest: Buffer,
  sockets: Set<Socket>,
): Promise<void> {
  const rule = matchEgress(rules, host, port);
  if (!rule) throw new Error('not on the allowlist');
  const addresses = isIP(host) ? [host] : await resolve(host);
  const address = addresses.find((a) => rule.literalIp || isPublic(a));
  if (!address) throw new Error('resolves only to private addresses');
  const upstream = connect({ host: address, port, timeout: CONNECT_TIMEOUT_MS });
  sockets.add(upstream);
  upstream.on('close', () => sockets.delete(upstream));
  await new Promise<void>((done, fail) => {
    upstream.once('connect', () => done());
    upstream.once('timeout', () => fail(new Error('connect timed out')));
    upstream.once('error', fail);
  });
  upstream.setTimeout(0);
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (rest.length > 0) upstream.write(rest);
  client.pipe(upstream);
  upstream.pipe(client);
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  client.resume();
}

function isPublic(address: string): boolean {
  try {
    const parsed = ipaddr.process(address);
    return parsed.range() === 'unicast';
  } catch {
    return false;
  }
}

function refuse(client: Socket, status: number, reason: string): void {
  client.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
}
