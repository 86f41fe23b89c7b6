/** One OPA test case (YAML), as far as the runner uses it. */
export interface ConformanceCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_defined?: boolean;
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
}

/** What the worker reports for a case. */
export type CaseOutcome =
  | { ok: true; result: unknown }
  | {
      ok: false;
      stage: 'input' | 'compile' | 'load' | 'data' | 'eval' | 'timeout' | 'crash';
      code?: string;
      message: string;
    };
