import type { CallExpr, Location, Rule } from '../ast/ast';
import type { CompiledProgram, RuleTreeNode } from '../compiler/compiled-program';
import type { HostBuiltin } from '../host/host-builtins';
import { compile } from '../compile.pipeline';

/** One instrumented rule definition. */
export interface CoverageProbe {
  id: number;
  location: Location;
}

export interface CoverageCompileOptions {
  modules: Record<string, string>;
  entrypoints: string[];
  /** Appends a probe to every rule body that is not a test. */
  instrument: boolean;
}

export interface CoverageCompileResult {
  wasm: Uint8Array<ArrayBuffer>;
  builtins: Record<string, HostBuiltin>;
  /** The instrumented rule definitions (when instrumented). */
  probes?: CoverageProbe[];
}

/**
 * The builtin a probe calls: `trace("<MARKER><id>")`. Mandate never compiles `trace` for production (see the
 * catalog), so here it is declared host-implemented and served by the runner, which records the id.
 */
export const PROBE_BUILTIN = 'trace';
export const PROBE_MARKER = '\u0000mandate.coverage.probe:';

function isTestRule(node: RuleTreeNode, rule: Rule): boolean {
  return node.key.startsWith('test_') || rule.loc.file.endsWith('_test.rego');
}

function probeExpr(id: number, loc: Location): CallExpr {
  return {
    kind: 'call',
    operator: { type: 'ref', terms: [{ type: 'var', name: PROBE_BUILTIN, loc }], loc },
    args: [{ type: 'string', value: `${PROBE_MARKER}${id}`, loc }],
    loc,
    with: [],
  };
}

/**
 * Appends `trace("<MARKER><id>")` as the last expression of every non-test rule body (each `else`
 * branch too). Bodies are already ordered for safety, so the probe runs exactly when the body has succeeded;
 * the host side records the id and returns true. The probe binds no var, so results are unchanged.
 */
function instrument(program: CompiledProgram): CoverageProbe[] {
  const probes: CoverageProbe[] = [];
  const visit = (node: RuleTreeNode): void => {
    for (const first of node.rules) {
      for (let rule: Rule | undefined = first; rule; rule = rule.else) {
        if (isTestRule(node, rule)) continue;
        const probe = { id: probes.length, location: rule.loc };
        probes.push(probe);
        rule.body.push(probeExpr(probe.id, rule.loc));
      }
    }
    for (const child of node.children.values()) visit(child);
  };
  visit(program.ruleTree);
  return probes;
}

/**
 * compile() with, when `instrument` is set, a probe appended to every non-test rule body (through compile()'s
 * `instrument` hook, between the compiler passes and the planner). The probe builtin is declared as a custom
 * builtin, so the module imports it from the host and it is left out of `builtins`: the runner serves it.
 */
export async function compileWithCoverage(options: CoverageCompileOptions): Promise<CoverageCompileResult> {
  let probes: CoverageProbe[] | undefined;
  const out = await compile({
    modules: options.modules,
    entrypoints: options.entrypoints,
    ...(options.instrument
      ? {
          customBuiltins: { [PROBE_BUILTIN]: 1 },
          instrument: (program: CompiledProgram) => {
            probes = instrument(program);
          },
        }
      : {}),
  });
  return { wasm: out.wasm, builtins: out.builtins, probes };
}
