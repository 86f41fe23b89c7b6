import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gatewayEnvironment } from '@mandate/config';
import { GatewayConfigError, loadGatewayConfig, parseGatewayConfig } from './gateway-config';

const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = 'mnd_0123456789ab_secretsecretsecret';

const minimal = {
  mandate: { url: 'http://127.0.0.1:8080', apiKeyEnv: 'MANDATE_API_KEY' },
  agent: { name: 'coder' },
  listen: { stdio: true },
  upstreams: [{ name: 'fs', transport: 'stdio', command: 'node', args: ['server.js', '/tmp; rm -rf /'] }],
};

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('gateway config file', () => {
  it('loads JSON with defaults and reads the API key from the named variable', () => {
    const config = loadGatewayConfig(
      write('a.json', JSON.stringify(minimal)),
      gatewayEnvironment({ MANDATE_API_KEY: KEY }),
    );
    expect(config.apiKey).toBe(KEY);
    expect(config.mandate.timeoutMs).toBe(5000);
    expect(config.approvals).toEqual({ waitSeconds: 60, elicitation: true });
    const [fs] = config.upstreams;
    // Arguments stay an array: nothing ever joins them into a shell command line.
    expect(fs).toMatchObject({ command: 'node', args: ['server.js', '/tmp; rm -rf /'], envPassthrough: [] });
  });

  it('loads YAML and reads the key from a file relative to the config', () => {
    write('key.txt', `${KEY}\n`);
    const yaml = [
      'mandate:',
      '  url: https://mandate.example',
      '  apiKeyFile: key.txt',
      'agent: {name: coder}',
      'listen: {http: {port: 0}}',
      'upstreams:',
      '  - {name: remote, transport: http, url: "https://mcp.example/mcp"}',
      '  - {name: local, transport: stdio, command: node, cwd: work}',
    ].join('\n');
    const config = loadGatewayConfig(write('b.yaml', yaml), gatewayEnvironment({}));
    expect(config.apiKey).toBe(KEY);
    expect(config.listen.http).toEqual({ host: '127.0.0.1', port: 0, path: '/mcp' });
    expect(config.upstreams[1]).toMatchObject({ cwd: join(dir, 'work') });
  });

  it('names every problem and never echoes the API key', () => {
    const bad = {
      ...minimal,
      mandate: { url: 'ftp://x', apiKeyEnv: 'MANDATE_API_KEY', apiKeyFile: 'k' },
      upstreams: [
        minimal.upstreams[0],
        { ...minimal.upstreams[0], name: 'fs' },
        { name: 'a_b', transport: 'stdio', command: 'x' },
      ],
      extra: true,
    };
    let message = '';
    try {
      parseGatewayConfig(JSON.stringify(bad), 'bad.json');
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('mandate.url');
    expect(message).toContain('apiKeyEnv');
    expect(message).toContain('upstream names must be unique');
    expect(message).toContain('upstreams.2.name');
    expect(message).toContain('extra');

    let missing = '';
    try {
      loadGatewayConfig(write('c.json', JSON.stringify(minimal)), gatewayEnvironment({ OTHER: KEY }));
    } catch (error) {
      missing = (error as Error).message;
    }
    expect(missing).toContain('MANDATE_API_KEY is not set');
    expect(missing).not.toContain(KEY);
  });

  it('refuses malformed JSON and YAML with the file name', () => {
    expect(() => parseGatewayConfig('{', 'x.json')).toThrow(/x\.json/);
    expect(() => parseGatewayConfig('a: [', 'x.yml')).toThrow(/x\.yml/);
  });
});
