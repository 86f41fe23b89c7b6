/**
 * Worker thread of the conformance runner: compiles and evaluates cases sent by the main thread, one at a
 * time, so that the main thread can stop (terminate) a case that runs too long.
 */
import opa from '@open-policy-agent/opa-wasm';
import { parentPort } from 'node:worker_threads';
import type { Term } from '../src/ast/ast';
import { compile } from '../src/index';
import { parseQuery } from '../src/parser/rego.parser';
import type { CaseOutcome, ConformanceCase } from './conformance-case';

interface ErrorWithDetails {
  message?: string;
  errors?: { code?: string; message?: string }[];
}

function describe(err: unknown): { code?: string; message: string } {
  if (typeof err === 'string') return { message: err };
  const e = err as ErrorWithDetails;
  const first = Array.isArray(e?.errors) ? e.errors[0] : undefined;
  return { code: first?.code, message: String(e?.message ?? err) };
}

/** A ground Rego term as JSON (sets become arrays, as they do on the JSON boundary of the npm package). */
function termToJson(t: Term): unknown {
  switch (t.type) {
    case 'null':
      return null;
    case 'boolean':
    case 'string':
      return t.value;
    case 'number':
      return Number(t.text);
    case 'array':
    case 'set':
      return t.items.map(termToJson);
    case 'object':
      return Object.fromEntries(t.items.map(([k, v]) => [String(termToJson(k)), termToJson(v)]));
    default:
      throw new Error(`input_term is not a ground value (${t.type})`);
  }
}

function inputOf(tc: ConformanceCase): ArrayBuffer | undefined {
  let text: string | undefined;
  if ('input' in tc && tc.input !== undefined) text = JSON.stringify(tc.input);
  else if (tc.input_term !== undefined) {
    try {
      JSON.parse(tc.input_term);
      text = tc.input_term;
    } catch {
      const body = parseQuery(tc.input_term);
      const expr = body[0];
      if (body.length !== 1 || expr.kind !== 'term') throw new Error('input_term is not a single term');
      text = JSON.stringify(termToJson(expr.term));
    }
  }
  return text === undefined ? undefined : new TextEncoder().encode(text).buffer;
}

/** The custom builtins OPA's Wasm test harness provides (used by the `wasm` suite). */
const CUSTOM_ARITIES: Record<string, number> = {
  custom_builtin_test: 1,
  custom_builtin_test_impure: 0,
  custom_builtin_test_memoization: 0,
};

function customImplementations(): Record<string, (...args: unknown[]) => unknown> {
  let calls = 0;
  return {
    custom_builtin_test: (x: unknown) => (typeof x === 'number' ? x + 1 : undefined),
    custom_builtin_test_impure: () => 'foo',
    // Returns 100 on its first call only: the case checks that the rule calling it is memoised.
    custom_builtin_test_memoization: () => 100 + calls++,
  };
}

export async function runCase(tc: ConformanceCase): Promise<CaseOutcome> {
  let input: ArrayBuffer | undefined;
  try {
    input = inputOf(tc);
  } catch (err) {
    return { ok: false, stage: 'input', message: `input_term: ${describe(err).message}` };
  }
  const modules: Record<string, string> = {};
  (tc.modules ?? []).forEach((text, i) => {
    modules[`module${i}.rego`] = text;
  });
  let compiled;
  try {
    compiled = await compile({ modules, query: tc.query, customBuiltins: CUSTOM_ARITIES });
  } catch (err) {
    const d = describe(err);
    return { ok: false, stage: d.code ? 'compile' : 'crash', ...d };
  }
  let policy;
  try {
    policy = await opa.loadPolicy(compiled.wasm, undefined, {
      ...customImplementations(),
      ...compiled.builtins,
    });
  } catch (err) {
    return { ok: false, stage: 'load', ...describe(err) };
  }
  try {
    policy.setData(tc.data ?? {});
  } catch (err) {
    return { ok: false, stage: 'data', ...describe(err) };
  }
  try {
    return { ok: true, result: policy.evaluate(input, 'eval') };
  } catch (err) {
    return { ok: false, stage: 'eval', ...describe(err) };
  }
}

parentPort?.on('message', (msg: { id: number; tc: ConformanceCase }) => {
  runCase(msg.tc).then(
    (outcome) => parentPort?.postMessage({ id: msg.id, outcome }),
    (err: unknown) =>
      parentPort?.postMessage({ id: msg.id, outcome: { ok: false, stage: 'crash', ...describe(err) } }),
  );
});
