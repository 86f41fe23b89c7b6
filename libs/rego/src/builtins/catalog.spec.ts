import { describe, expect, it } from 'vitest';
import { runtimeWasm } from '../codegen/runtime.loader';
import natives from '../../runtime/natives.json';
import { BUILTINS, lookupBuiltin, nativeExportName } from './catalog';

describe('builtin catalog', () => {
  it("lists OPA's 94 Wasm-native builtins (and the runtime extras) as native", () => {
    const natives = [...BUILTINS.values()].filter((b) => b.native);
    expect(natives.length).toBeGreaterThanOrEqual(94);
    expect(natives.every((b) => b.support === 'native')).toBe(true);
    for (const name of [
      'abs',
      'walk',
      'internal.member_3',
      'net.cidr_overlap',
      'regex.find_all_string_submatch_n',
    ]) {
      expect(lookupBuiltin(name)?.native).toBe(true);
    }
  });

  it('knows arities, relations and support', () => {
    expect(lookupBuiltin('object.get')).toMatchObject({ arity: 3, native: true, relation: false });
    expect(lookupBuiltin('walk')).toMatchObject({ arity: 1, relation: true });
    expect(lookupBuiltin('sprintf')).toMatchObject({ arity: 2 });
    expect(['native', 'host']).toContain(lookupBuiltin('sprintf')?.support);
    expect(lookupBuiltin('time.add_date')).toMatchObject({ arity: 4, support: 'host' });
    expect(lookupBuiltin('http.send')).toMatchObject({ support: 'unsupported' });
    expect(lookupBuiltin('no.such')).toBeUndefined();
  });

  it('maps native names to runtime exports', () => {
    expect(nativeExportName('plus')).toBe('opa_bi_plus');
    expect(nativeExportName('internal.member_2')).toBe('opa_bi_internal_member_2');
    expect(nativeExportName('regex.find_all_string_submatch_n')).toBe(
      'opa_bi_regex_find_all_string_submatch_n',
    );
  });

  it('agrees with runtime/natives.json on names, exports and arities', () => {
    // The code generator decides native vs host from the runtime's actual exports; the catalog must know
    // every runtime builtin with the right arity (its \`native\` flag is informational, see RUNTIME_EXTRAS).
    for (const n of natives as { name: string; export: string; arity: number }[]) {
      expect(lookupBuiltin(n.name), n.name).toMatchObject({ arity: n.arity });
      expect(nativeExportName(n.name)).toBe(n.export);
    }
  });

  it('knows every builtin the runtime module exports', () => {
    const exported = WebAssembly.Module.exports(
      new WebAssembly.Module(runtimeWasm() as Uint8Array<ArrayBuffer>),
    )
      .map((e) => e.name)
      .filter((n) => n.startsWith('opa_bi_'));
    const known = new Set([...BUILTINS.keys()].map(nativeExportName));
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.filter((n) => !known.has(n))).toEqual([]);
  });
});
