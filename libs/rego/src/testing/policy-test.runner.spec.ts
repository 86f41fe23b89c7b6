import { describe, expect, it } from 'vitest';
import { RegoCompileError } from '../compiler/rego-compile.error';
import { runPolicyTests } from './policy-test.runner';

const POLICY = `package authz

default allow := false

allow if input.role == "admin"

allow if {
  input.role == "reader"
  input.method == "GET"
}

level := "high" if input.role == "admin"
else := "low"

unused if input.never == true
`;

const TESTS = `package authz_test

import data.authz

test_admin_allowed if authz.allow with input as {"role": "admin"}

test_reader_get if authz.allow with input as {"role": "reader", "method": "GET"}

test_reader_post_denied if not authz.allow with input as {"role": "reader", "method": "POST"}

test_level_low if authz.level == "low" with input as {"role": "guest"}

test_wrong_expectation if authz.allow with input as {"role": "guest"}

test_not_true := 42

test_conflict if authz.clash with input as {}
`;

const CLASH = `package authz

clash := 1
clash := 2 if true
`;

function byName(results: { name: string }[]): Record<string, unknown> {
  return Object.fromEntries(results.map((r) => [r.name, r]));
}

describe('runPolicyTests', () => {
  it('runs every test_ rule and reports pass, failure and error like opa test', async () => {
    const report = await runPolicyTests({
      modules: { 'authz.rego': POLICY, 'authz_test.rego': TESTS, 'clash.rego': CLASH },
    });
    const results = byName(report.results);
    expect(Object.keys(results)).toEqual([
      'data.authz_test.test_admin_allowed',
      'data.authz_test.test_reader_get',
      'data.authz_test.test_reader_post_denied',
      'data.authz_test.test_level_low',
      'data.authz_test.test_wrong_expectation',
      'data.authz_test.test_not_true',
      'data.authz_test.test_conflict',
    ]);
    expect(results['data.authz_test.test_admin_allowed']).toMatchObject({ pass: true });
    expect(results['data.authz_test.test_reader_get']).toMatchObject({ pass: true });
    expect(results['data.authz_test.test_reader_post_denied']).toMatchObject({ pass: true });
    expect(results['data.authz_test.test_level_low']).toMatchObject({ pass: true });
    expect(results['data.authz_test.test_wrong_expectation']).toMatchObject({
      pass: false,
      failReason: 'undefined',
    });
    expect(results['data.authz_test.test_not_true']).toMatchObject({
      pass: false,
      failReason: 'value 42, want true',
    });
    const conflict = results['data.authz_test.test_conflict'] as { pass: boolean; error?: string };
    expect(conflict.pass).toBe(false);
    expect(conflict.error).toMatch(/clash\.rego:\d+:\d+/);
    expect(report.results[0]).toMatchObject({
      location: { file: 'authz_test.rego', row: 5, col: 1 },
    });
    for (const r of report.results) expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.coverage).toBeUndefined();
  });

  it('selects tests with run (regular expression on the full name)', async () => {
    const modules = { 'authz.rego': POLICY, 'authz_test.rego': TESTS, 'clash.rego': CLASH };
    const report = await runPolicyTests({ modules, run: 'test_reader_' });
    expect(report.results.map((r) => r.name)).toEqual([
      'data.authz_test.test_reader_get',
      'data.authz_test.test_reader_post_denied',
    ]);
    const none = await runPolicyTests({ modules, run: /nothing_matches/ });
    expect(none.results).toEqual([]);
  });

  it('passes data to the tests', async () => {
    const report = await runPolicyTests({
      modules: { 't.rego': 'package t\n\ntest_limit if data.limits.max == 3\n' },
      data: { limits: { max: 3 } },
    });
    expect(report.results).toMatchObject([{ name: 'data.t.test_limit', pass: true }]);
  });

  it('ignores functions named test_ and non-test rules', async () => {
    const report = await runPolicyTests({
      modules: {
        'f.rego':
          'package f\n\ntest_helper(x) := x + 1\n\nhelper := 1\n\ntest_uses_helper if test_helper(1) == 2\n',
      },
    });
    expect(report.results.map((r) => r.name)).toEqual(['data.f.test_uses_helper']);
    expect(report.results[0].pass).toBe(true);
  });

  it('measures which rule definitions produced a value across the tests', async () => {
    const report = await runPolicyTests({
      modules: { 'authz.rego': POLICY, 'authz_test.rego': TESTS, 'clash.rego': CLASH },
      run: 'test_(admin|reader|level)',
      coverage: true,
    });
    expect(report.results.every((r) => r.pass)).toBe(true);
    // Rows: 3 default allow, 5 allow (admin), 7 allow (reader), 12 level, 13 else, 15 unused.
    // default allow is only used when no allow body succeeds (reader POST), level's first branch never ran.
    expect(report.coverage?.files['authz.rego']).toEqual({ covered: [3, 5, 7, 13], notCovered: [12, 15] });
    // clash.rego is never evaluated by the selected tests.
    expect(report.coverage?.files['clash.rego']).toEqual({ covered: [], notCovered: [3, 4] });
    expect(report.coverage?.files['authz_test.rego']).toBeUndefined();
    expect(report.coverage).toMatchObject({ coveredRules: 4, totalRules: 8, percent: 50 });

    // With only the admin test, the default and the reader rule never produced the value.
    const admin = await runPolicyTests({
      modules: { 'authz.rego': POLICY, 'authz_test.rego': TESTS, 'clash.rego': CLASH },
      run: 'test_admin_allowed',
      coverage: true,
    });
    expect(admin.coverage?.files['authz.rego']).toEqual({ covered: [5], notCovered: [3, 7, 12, 13, 15] });
  });

  it('throws RegoCompileError with locations when the modules do not compile', async () => {
    const error = await runPolicyTests({
      modules: { 'bad.rego': 'package bad\n\ntest_x if {\n  y == 1\n}\n' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegoCompileError);
    expect((error as RegoCompileError).errors[0]).toMatchObject({ file: 'bad.rego', row: 4 });

    // Recursion through a read of all of `data` (found by the planner) is OPA's rego_recursion_error; the
    // location is in the detail fields and printed once in the message.
    const planned = await runPolicyTests({
      modules: { 'r.rego': 'package r\n\nx := object.get(data, "y", 1)\n\ntest_x if x == 1\n' },
    }).catch((e: unknown) => e);
    expect(planned).toBeInstanceOf(RegoCompileError);
    const detail = (planned as RegoCompileError).errors[0];
    expect(detail).toEqual({
      file: 'r.rego',
      row: 5,
      col: 1,
      code: 'rego_recursion_error',
      message: 'rule data.r.test_x is recursive: data.r.test_x -> data.r.x -> data.r.test_x',
    });
    expect((planned as RegoCompileError).message.match(/r\.rego:\d+:\d+/g)).toHaveLength(1);
  });
});
