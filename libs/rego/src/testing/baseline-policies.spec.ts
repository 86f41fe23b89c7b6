import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPolicyTests } from './policy-test.runner';

const POLICIES = resolve(__dirname, '..', '..', '..', '..', 'policies');

function loadRego(): Record<string, string> {
  const modules: Record<string, string> = {};
  for (const name of readdirSync(POLICIES, { recursive: true, encoding: 'utf8' })) {
    if (name.endsWith('.rego')) modules[`policies/${name}`] = readFileSync(join(POLICIES, name), 'utf8');
  }
  return modules;
}

describe('the baseline policy in policies/', () => {
  it('passes every test_ rule and its tests reach every rule definition', async () => {
    const modules = loadRego();
    const report = await runPolicyTests({ modules, coverage: true });
    expect(report.results.length).toBeGreaterThanOrEqual(40);
    const failing = report.results.filter((r) => !r.pass).map((r) => `${r.name}: ${r.error ?? r.failReason}`);
    expect(failing).toEqual([]);
    const uncovered = Object.entries(report.coverage?.files ?? {}).filter(([, c]) => c.notCovered.length > 0);
    expect(uncovered).toEqual([]);
    // Each clause of the policy has tests of its own module.
    const files = new Set(report.results.map((r) => r.location.file));
    for (const module of ['agents', 'tools', 'findings', 'grants', 'decision']) {
      expect(files).toContain(`policies/${module}_test.rego`);
    }
  });
});
