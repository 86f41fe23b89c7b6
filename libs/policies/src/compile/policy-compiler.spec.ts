import opa from '@open-policy-agent/opa-wasm';
import { describe, expect, it } from 'vitest';
import { hostBuiltinsByImportName } from '@mandate/rego';
import { PolicyCompiler } from './policy-compiler';

const GOOD = `package mandate

default allow := false

allow if input.tool.risk == "read"

decision := {"allow": allow, "deny": [], "require_approval": null, "obligations": {}}
`;

describe('PolicyCompiler', () => {
  const compiler = new PolicyCompiler();

  it('compiles a policy to a module that evaluates mandate/decision', async () => {
    const out = await compiler.compile({ 'decision.rego': GOOD });
    expect(out.errors).toEqual([]);
    expect(out.ok).toBe(true);
    const policy = await opa.loadPolicy(out.wasm!, undefined, hostBuiltinsByImportName());
    policy.setData({});
    expect(policy.evaluate({ tool: { risk: 'read' } }, 'mandate/decision')).toEqual([
      { result: { allow: true, deny: [], require_approval: null, obligations: {} } },
    ]);
    expect(policy.evaluate({ tool: { risk: 'write' } }, 'mandate/decision')[0].result.allow).toBe(false);
  });

  it('reports parse errors with file, row and column', async () => {
    const out = await compiler.compile({
      'ok.rego': GOOD,
      'bad.rego': 'package mandate\n\nfoo := {"a": 1\n',
    });
    expect(out.ok).toBe(false);
    expect(out.wasm).toBeNull();
    expect(out.errors[0]).toMatchObject({ file: 'bad.rego', code: 'rego_parse_error' });
    expect(out.errors[0].row).toBeGreaterThanOrEqual(3);
    expect(out.errors[0].col).toBeGreaterThan(0);
  });

  it('refuses a policy without data.mandate.decision (it would silently be undefined)', async () => {
    const out = await compiler.compile({ 'other.rego': 'package other\n\ndecision := {"allow": true}\n' });
    expect(out.errors).toEqual([expect.objectContaining({ code: 'mandate_missing_entrypoint' })]);
    const onlyTest = await compiler.compile({ 'x_test.rego': GOOD });
    expect(onlyTest.errors).toEqual([expect.objectContaining({ code: 'mandate_missing_entrypoint' })]);
    expect((await compiler.compile({})).errors).toEqual([
      expect.objectContaining({ code: 'mandate_no_files' }),
    ]);
  });

  it('rejects a module that is not Wasm or lacks the entrypoint', async () => {
    expect(await compiler.validateWasm(new Uint8Array([1, 2, 3]))).toMatchObject({
      code: 'mandate_invalid_wasm',
    });
  });
});
