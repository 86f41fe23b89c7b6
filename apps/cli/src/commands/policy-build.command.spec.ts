import opa from '@open-policy-agent/opa-wasm';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli';
import { PolicyCommand } from './policy-group.command';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

/** Reads a .tar.gz back into name → content. */
async function readBundle(file: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const reader = extract();
  Readable.from([gunzipSync(readFileSync(file))]).pipe(reader);
  for await (const entry of reader) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk);
    files.set(entry.header.name, Buffer.concat(chunks));
  }
  return files;
}

const POLICY = `package mandate

default allow := false

allow if input.tool in data.mandate.safe_tools

decision := {"allow": allow, "deny": [] }
`;

describe('mandate policy build', () => {
  let dir: string;
  const commands = [new PolicyCommand()];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mandate-policy-build-'));
    mkdirSync(join(dir, 'src', 'mandate'), { recursive: true });
    writeFileSync(join(dir, 'src', 'mandate', 'policy.rego'), POLICY);
    writeFileSync(join(dir, 'src', 'mandate', 'data.json'), JSON.stringify({ safe_tools: ['read_file'] }));
    writeFileSync(join(dir, 'src', 'data.json'), JSON.stringify({ org: 'acme' }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an OPA bundle whose policy.wasm evaluates under @open-policy-agent/opa-wasm', async () => {
    const output = join(dir, 'bundle.tar.gz');
    const c = capture();
    const code = await runCli(
      [
        'policy',
        'build',
        join(dir, 'src'),
        '-e',
        'mandate/decision',
        '-e',
        'data.mandate.allow',
        '-o',
        output,
        '--revision',
        'r42',
      ],
      commands,
      { io: c.io },
    );
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(c.out[0]).toContain(`wrote ${output}`);
    const files = await readBundle(output);
    expect([...files.keys()].sort()).toEqual([
      '/.manifest',
      '/data.json',
      '/mandate/policy.rego',
      '/policy.wasm',
    ]);
    expect(JSON.parse(files.get('/.manifest')!.toString())).toEqual({
      revision: 'r42',
      roots: [''],
      wasm: [
        { entrypoint: 'mandate/decision', module: '/policy.wasm' },
        { entrypoint: 'mandate/allow', module: '/policy.wasm' },
      ],
    });
    const data = JSON.parse(files.get('/data.json')!.toString()) as object;
    expect(data).toEqual({ org: 'acme', mandate: { safe_tools: ['read_file'] } });
    expect(files.get('/mandate/policy.rego')!.toString()).toBe(POLICY);

    const policy = await opa.loadPolicy(files.get('/policy.wasm')!);
    policy.setData(data);
    expect(policy.evaluate({ tool: 'read_file' }, 'mandate/decision')).toEqual([
      { result: { allow: true, deny: [] } },
    ]);
    expect(policy.evaluate({ tool: 'rm' }, 'mandate/allow')).toEqual([{ result: false }]);
  });

  it('prints compile errors with locations, exits 1 and writes nothing', async () => {
    writeFileSync(join(dir, 'src', 'broken.rego'), 'package broken\n\np if {\n  q[\n}\n');
    const output = join(dir, 'bundle.tar.gz');
    const c = capture();
    expect(
      await runCli(['policy', 'build', join(dir, 'src'), '-e', 'mandate/allow', '-o', output], commands, {
        io: c.io,
      }),
    ).toBe(1);
    expect(c.err[0]).toMatch(new RegExp(`^${join(dir, 'src', 'broken.rego')}:\\d+:\\d+: rego_parse_error: `));
    expect(existsSync(output)).toBe(false);
  });

  it('requires an entrypoint and an output (exit 2)', async () => {
    const c = capture();
    expect(
      await runCli(['policy', 'build', join(dir, 'src'), '-o', join(dir, 'b.tar.gz')], commands, {
        io: c.io,
      }),
    ).toBe(2);
    expect(
      await runCli(['policy', 'build', join(dir, 'src'), '-e', 'mandate/allow'], commands, { io: c.io }),
    ).toBe(2);
  });
});
