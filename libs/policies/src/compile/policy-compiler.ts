import { Injectable, Logger } from '@nestjs/common';
import opa from '@open-policy-agent/opa-wasm';
import { compile, hostBuiltinsByImportName, RegoCompileError } from '@mandate/rego';
import type { PolicyCompileIssue } from './policy-compile-issue';
import { DECISION_ENTRYPOINT } from './policy-limits';
import { SAMPLE_DECISION_INPUT } from './sample-decision-input';

export type PolicyCompileOutcome =
  { ok: true; wasm: Uint8Array; errors: [] } | { ok: false; wasm: null; errors: PolicyCompileIssue[] };

const PACKAGE_MANDATE = /^\s*package\s+mandate\s*(#.*)?$/m;
const DECISION_RULE = /^(default\s+)?decision\b/m;

/**
 * Compiles an organisation's Rego files with Mandate's compiler (entrypoint `mandate/decision`), then loads
 * the module with opa-wasm and evaluates a sample input, so a stored version is known to load and run.
 * Compile problems come back as issues with file/row/col; they never throw.
 */
@Injectable()
export class PolicyCompiler {
  private readonly logger = new Logger(PolicyCompiler.name);

  async compile(files: Record<string, string>): Promise<PolicyCompileOutcome> {
    if (Object.keys(files).length === 0) {
      return fail([issue('', 'mandate_no_files', 'The policy has no files')]);
    }
    let wasm: Uint8Array;
    try {
      ({ wasm } = await compile({ modules: files, entrypoints: [DECISION_ENTRYPOINT] }));
    } catch (error) {
      if (error instanceof RegoCompileError) return fail(error.errors.map((e) => ({ ...e })));
      this.logger.error({ err: error }, 'Rego compiler failed unexpectedly');
      return fail([issue('', 'rego_internal_error', 'The compiler failed on this policy (internal error)')]);
    }
    const nonTest = Object.entries(files).filter(([name]) => !name.endsWith('_test.rego'));
    const definesDecision = nonTest.some(
      ([, text]) => PACKAGE_MANDATE.test(text) && DECISION_RULE.test(text),
    );
    if (!definesDecision) {
      return fail([
        issue(
          '',
          'mandate_missing_entrypoint',
          'No rule defines data.mandate.decision: declare `package mandate` and a `decision` rule',
        ),
      ]);
    }
    const problem = await this.validateWasm(wasm);
    if (problem !== null) return fail([problem]);
    return { ok: true, wasm, errors: [] };
  }

  /**
   * Checks a compiled module: it loads under opa-wasm with Mandate's host builtins, exposes the
   * `mandate/decision` entrypoint and evaluates the sample input without error. Null when it is fine.
   */
  async validateWasm(wasm: Uint8Array): Promise<PolicyCompileIssue | null> {
    let policy: Awaited<ReturnType<typeof opa.loadPolicy>>;
    try {
      policy = await opa.loadPolicy(wasm, undefined, hostBuiltinsByImportName());
    } catch (error) {
      return issue('', 'mandate_invalid_wasm', `The module does not load: ${messageOf(error)}`);
    }
    const entrypoints = (policy.entrypoints ?? {}) as Record<string, number>;
    if (!(DECISION_ENTRYPOINT in entrypoints)) {
      return issue('', 'mandate_missing_entrypoint', `The module has no ${DECISION_ENTRYPOINT} entrypoint`);
    }
    try {
      policy.setData({});
      policy.evaluate(SAMPLE_DECISION_INPUT, DECISION_ENTRYPOINT);
    } catch (error) {
      return issue('', 'mandate_evaluation_error', `Evaluating a sample input failed: ${messageOf(error)}`);
    }
    return null;
  }
}

function issue(file: string, code: string, message: string): PolicyCompileIssue {
  return { file, row: 0, col: 0, code, message };
}

function fail(errors: PolicyCompileIssue[]): PolicyCompileOutcome {
  return { ok: false, wasm: null, errors };
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
