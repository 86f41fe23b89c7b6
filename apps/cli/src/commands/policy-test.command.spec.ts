import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli';
import { PolicyCommand } from './policy-group.command';
import { loadPolicyDir } from './policy-test.command';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

const POLICY = 'package app\n\nallow if input.user == data.app.admin\n';
const TESTS = `package app_test

import data.app

test_admin if app.allow with input as {"user": "root"}

test_guest_denied if not app.allow with input as {"user": "guest"}
`;

describe('mandate policy test', () => {
  let dir: string;
  const commands = [new PolicyCommand()];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mandate-policy-test-'));
    mkdirSync(join(dir, 'app', 'tests'), { recursive: true });
    writeFileSync(join(dir, 'app', 'policy.rego'), POLICY);
    writeFileSync(join(dir, 'app', 'tests', 'policy_test.rego'), TESTS);
    writeFileSync(join(dir, 'app', 'data.json'), JSON.stringify({ admin: 'root' }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads .rego files recursively and data.json at its directory path', async () => {
    const loaded = await loadPolicyDir(dir);
    expect(Object.values(loaded.relativeNames).sort()).toEqual([
      'app/policy.rego',
      'app/tests/policy_test.rego',
    ]);
    expect(loaded.data).toEqual({ app: { admin: 'root' } });
  });

  it('prints PASS per test and a summary, exit 0 when all pass', async () => {
    const c = capture();
    expect(await runCli(['policy', 'test', dir], commands, { io: c.io })).toBe(0);
    expect(c.out[0]).toMatch(/^PASS data\.app_test\.test_admin \(.+\) {2}.*policy_test\.rego:5$/);
    expect(c.out[1]).toMatch(/^PASS data\.app_test\.test_guest_denied /);
    expect(c.out).toContain('PASS: 2/2');
  });

  it('prints FAIL with the location and exits 1 when a test fails', async () => {
    writeFileSync(
      join(dir, 'app', 'more_test.rego'),
      'package app_test\n\ntest_wrong if data.app.allow with input as {"user": "x"}\n',
    );
    const c = capture();
    expect(await runCli(['policy', 'test', dir, '--run', 'wrong|admin'], commands, { io: c.io })).toBe(1);
    expect(c.out).toContain(
      `FAIL data.app_test.test_wrong  ${join(dir, 'app', 'more_test.rego')}:3: undefined`,
    );
    expect(c.out).toContain('PASS: 1/2');
    expect(c.out).toContain('FAIL: 1/2');
  });

  it('prints compile errors as file:row:col: code: message and exits 1', async () => {
    writeFileSync(join(dir, 'app', 'broken.rego'), 'package app\n\nbad if {\n  x == 1\n}\n');
    const c = capture();
    expect(await runCli(['policy', 'test', dir], commands, { io: c.io })).toBe(1);
    expect(c.err[0]).toMatch(new RegExp(`^${join(dir, 'app', 'broken.rego')}:4:3: rego_unsafe_var_error: `));
  });

  it('writes JSON with coverage', async () => {
    const c = capture();
    expect(await runCli(['policy', 'test', dir, '--json', '--coverage'], commands, { io: c.io })).toBe(0);
    const report = JSON.parse(c.out.join('\n')) as {
      results: { name: string; pass: boolean }[];
      coverage: { files: Record<string, { covered: number[]; notCovered: number[] }> };
    };
    expect(report.results.map((r) => r.pass)).toEqual([true, true]);
    expect(report.coverage.files[join(dir, 'app', 'policy.rego')]).toEqual({ covered: [3], notCovered: [] });
  });

  it('exits 1 when no test matches and 2 on bad usage', async () => {
    const c = capture();
    expect(await runCli(['policy', 'test', dir, '--run', 'nothing'], commands, { io: c.io })).toBe(1);
    expect(c.out).toContain('no tests found');
    expect(await runCli(['policy', 'test'], commands, { io: c.io })).toBe(2);
    expect(await runCli(['policy', 'test', dir, '--run', '('], commands, { io: c.io })).toBe(2);
    expect(await runCli(['policy', 'nope'], commands, { io: c.io })).toBe(2);
    expect(await runCli(['policy', 'test', join(dir, 'missing')], commands, { io: c.io })).toBe(2);
  });
});
