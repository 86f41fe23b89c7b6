import { describe, expect, it } from 'vitest';
import type { ConformanceCase } from './conformance-case';
import { judge } from './result-judge';

const base: ConformanceCase = { note: 'n', query: 'data.p = x' };

describe('judge', () => {
  it('compares want_result as a multiset of bindings', () => {
    const tc = { ...base, want_result: [{ x: 1 }, { x: { b: 2, a: 1 } }] };
    expect(judge(tc, { ok: true, result: [{ x: { a: 1, b: 2 } }, { x: 1 }] }).status).toBe('pass');
    expect(judge(tc, { ok: true, result: [{ x: 1 }] }).status).toBe('fail');
    expect(judge(tc, { ok: true, result: [{ x: 1 }, { x: 1 }, { x: { a: 1, b: 2 } }] }).status).toBe('fail');
  });

  it('treats arrays as sets with sort_bindings only', () => {
    const tc = { ...base, want_result: [{ x: [1, 2, 3] }] };
    expect(judge(tc, { ok: true, result: [{ x: [3, 1, 2] }] }).status).toBe('fail');
    expect(judge({ ...tc, sort_bindings: true }, { ok: true, result: [{ x: [3, 1, 2] }] }).status).toBe(
      'pass',
    );
  });

  it('handles want_defined, errors and strict errors', () => {
    expect(judge({ ...base, want_defined: true }, { ok: true, result: [{}] }).status).toBe('pass');
    expect(judge({ ...base, want_defined: false }, { ok: true, result: [{}] }).status).toBe('fail');
    const wantsError = { ...base, want_error_code: 'eval_conflict_error' };
    expect(judge(wantsError, { ok: false, stage: 'eval', message: 'conflict' }).status).toBe('pass');
    expect(judge(wantsError, { ok: true, result: [] }).status).toBe('fail');
    expect(judge(wantsError, { ok: false, stage: 'timeout', message: 'slow' }).status).toBe('error');
    const strict = { ...wantsError, strict_error: true };
    expect(judge(strict, { ok: true, result: [] }).status).toBe('pass');
    expect(judge(strict, { ok: true, result: [{ x: 1 }] }).status).toBe('fail');
    expect(judge({ ...base, want_result: [] }, { ok: false, stage: 'compile', message: 'x' }).status).toBe(
      'error',
    );
  });
});
