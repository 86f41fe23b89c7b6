import { Injectable } from '@nestjs/common';
import { RegoCompileError, runPolicyTests } from '@mandate/rego';

export interface FailedPolicyTest {
  name: string;
  file: string;
  row: number;
  /** Why it failed: `undefined`, `value … want true`, or the evaluation error. */
  reason: string;
}

export interface PolicyTestSummary {
  total: number;
  passed: number;
  failed: FailedPolicyTest[];
}

/** Runs a version's `test_` rules (like `opa test`) before it may become active. */
@Injectable()
export class PolicyTestGate {
  async run(files: Record<string, string>): Promise<PolicyTestSummary> {
    try {
      const report = await runPolicyTests({ modules: files });
      const failed = report.results
        .filter((r) => !r.pass)
        .map((r) => ({
          name: r.name,
          file: r.location.file,
          row: r.location.row,
          reason: r.error ?? r.failReason ?? 'failed',
        }));
      return { total: report.results.length, passed: report.results.length - failed.length, failed };
    } catch (error) {
      // The sources compiled when the version was made; a failure here is the test modules' own.
      const reason = error instanceof RegoCompileError ? error.message : 'the tests could not be compiled';
      return { total: 1, passed: 0, failed: [{ name: '(compile tests)', file: '', row: 0, reason }] };
    }
  }
}
