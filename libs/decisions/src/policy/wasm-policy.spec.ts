import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '@mandate/rego';
import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../evaluation/decision-outcome';
import { WasmPolicy } from './wasm-policy';

const DECISION_ENTRYPOINT = 'mandate/decision';

/** The repository's baseline policy (policies/ without its tests), as the store compiles it. */
async function baselineWasm(): Promise<Uint8Array> {
  const dir = join(__dirname, '../../../../policies');
  const modules: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.rego') && !name.endsWith('_test.rego'))
      modules[name] = readFileSync(join(dir, name), 'utf8');
  }
  return (await compile({ modules, entrypoints: [DECISION_ENTRYPOINT] })).wasm;
}

async function load(source: string, maxPages?: number): Promise<WasmPolicy> {
  const out = await compile({ modules: { 'p.rego': source }, entrypoints: [DECISION_ENTRYPOINT] });
  return WasmPolicy.load(out.wasm, DECISION_ENTRYPOINT, maxPages);
}

const call = (risk: string, pinned = true) =>
  JSON.stringify({
    phase: 'call',
    agent: { id: 'a-1', name: 'bot', labels: {}, trust: 1, owner: 'm-1', enabled: true },
    principal: null,
    server: { id: null, name: 'fs', url: null },
    tool: { name: 'read_file', digest: null, pinned, changed: false, risk, annotations: {} },
    arguments: { path: '/tmp/x' },
    findings: [],
    grants: [],
    approval: null,
    context: { time: '2026-11-23T10:00:00Z', ip: '127.0.0.1', gateway: null, session: null, request_id: 'r' },
  });

describe('WasmPolicy', () => {
  it('evaluates the baseline policy compiled from policies/ (stored wasm, builtins rebuilt by name)', async () => {
    const policy = await WasmPolicy.load(await baselineWasm(), DECISION_ENTRYPOINT);
    expect(outcomeOf(policy.evaluate(call('read'))).decision).toBe('allow');
    const pending = outcomeOf(policy.evaluate(call('destructive')));
    expect(pending.decision).toBe('pending_approval');
    expect(pending.approval).toMatchObject({
      groups: ['approvers'],
      quorum: 1,
      mode: 'once',
      reason: expect.stringContaining('risk destructive') as unknown,
    });
    // An unpinned tool definition makes the baseline deny with its reason.
    const unpinned = outcomeOf(policy.evaluate(call('read', false)));
    expect(unpinned.decision).toBe('deny');
    expect(unpinned.reasons).toEqual([
      { code: 'policy_deny', message: 'tool read_file: definition is not pinned' },
    ]);
  });

  it('returns undefined for an undefined decision (mapped to deny undefined_result)', async () => {
    const policy = await load('package mandate\ndecision := {"allow": true} if input.never == 1\n');
    const result = policy.evaluate(call('read'));
    expect(result).toBeUndefined();
    expect(outcomeOf(result)).toMatchObject({ decision: 'deny', reasons: [{ code: 'undefined_result' }] });
  });

  it('traps on an evaluation error and marks the instance failed', async () => {
    const policy = await load(
      'package mandate\ndecision := {"allow": true} if true\ndecision := {"allow": false} if true\n',
    );
    expect(() => policy.evaluate(call('read'))).toThrow();
    expect(policy.failed).toBe(true);
  });

  it('caps the memory of a policy that allocates without bound', async () => {
    const policy = await load(
      [
        'package mandate',
        'big := [x | some i in numbers.range(1, 50000000); x := sprintf("%d-padding-padding-padding", [i])]',
        'decision := {"allow": count(big) > 0, "deny": []}',
      ].join('\n'),
      64,
    );
    expect(() => policy.evaluate(call('read'))).toThrow();
    expect(policy.failed).toBe(true);
  });

  it('refuses a module without the entrypoint', async () => {
    const out = await compile({ modules: { 'p.rego': 'package other\nx := 1\n' }, entrypoints: ['other/x'] });
    await expect(WasmPolicy.load(out.wasm, DECISION_ENTRYPOINT)).rejects.toThrow(/entrypoint/);
  });
});
