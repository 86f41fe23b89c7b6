import type { CaseOutcome, ConformanceCase } from './conformance-case';

export type CaseStatus = 'pass' | 'fail' | 'error';

export interface Judgement {
  status: CaseStatus;
  reason?: string;
}

/** Deep copy with object keys sorted and, when `sortArrays`, arrays sorted (treated as sets). */
function normalize(value: unknown, sortArrays: boolean): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalize(v, sortArrays));
    if (!sortArrays) return items;
    return items
      .map((v) => [JSON.stringify(v), v] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => v);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      out[key] = normalize((value as Record<string, unknown>)[key], sortArrays);
    return out;
  }
  return value;
}

/** Canonical text of a result set, compared as a multiset of binding objects. */
export function canonicalResultSet(rs: unknown, sortBindings: boolean): string {
  if (!Array.isArray(rs)) return JSON.stringify(normalize(rs, sortBindings));
  return JSON.stringify(rs.map((b) => JSON.stringify(normalize(b, sortBindings))).sort());
}

/** Applies the expectations of an OPA test case (see shared/conformance/opa/README.md) to an outcome. */
export function judge(tc: ConformanceCase, outcome: CaseOutcome): Judgement {
  const wantsError = (tc.want_error_code !== undefined || tc.want_error !== undefined) && !tc.strict_error;
  if (wantsError) {
    if (outcome.ok)
      return { status: 'fail', reason: `expected an error, got ${JSON.stringify(outcome.result)}` };
    if (outcome.stage === 'timeout' || outcome.stage === 'crash' || outcome.stage === 'input') {
      return { status: 'error', reason: `${outcome.stage}: ${outcome.message}` };
    }
    return { status: 'pass' };
  }
  if (!outcome.ok)
    return {
      status: 'error',
      reason: `${outcome.stage}${outcome.code ? ` ${outcome.code}` : ''}: ${outcome.message}`,
    };
  const rs = outcome.result;
  if (tc.strict_error) {
    return Array.isArray(rs) && rs.length === 0
      ? { status: 'pass' }
      : {
          status: 'fail',
          reason: `expected an empty result (non-strict builtin error), got ${JSON.stringify(rs)}`,
        };
  }
  if (tc.want_defined !== undefined) {
    const defined = Array.isArray(rs) && rs.length > 0;
    return defined === tc.want_defined
      ? { status: 'pass' }
      : { status: 'fail', reason: `expected defined=${tc.want_defined}, got ${JSON.stringify(rs)}` };
  }
  if (tc.want_result !== undefined) {
    const sort = tc.sort_bindings === true;
    const got = canonicalResultSet(rs, sort);
    const want = canonicalResultSet(tc.want_result ?? [], sort);
    return got === want
      ? { status: 'pass' }
      : { status: 'fail', reason: `want ${JSON.stringify(tc.want_result)}, got ${JSON.stringify(rs)}` };
  }
  return { status: 'pass' };
}
