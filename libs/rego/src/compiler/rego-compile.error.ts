export type RegoErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'rego_type_error'
  // Raised by later stages (code generator, planner) through the same error class.
  | 'rego_unsupported_builtin'
  | 'rego_planner_error'
  | 'rego_internal_error';

export interface RegoErrorDetail {
  file: string;
  row: number;
  col: number;
  code: RegoErrorCode;
  message: string;
}

/** Maximum number of errors reported by one compilation. */
export const MAX_ERRORS = 10;

/** Thrown by the parser and the compiler; `errors` lists every error found (at most MAX_ERRORS). */
export class RegoCompileError extends Error {
  readonly errors: RegoErrorDetail[];

  constructor(errors: RegoErrorDetail[]) {
    const shown = errors.slice(0, MAX_ERRORS);
    super(
      shown.map((e) => `${e.file}:${e.row}:${e.col}: ${e.code}: ${e.message}`).join('\n') ||
        'rego compilation failed',
    );
    this.name = 'RegoCompileError';
    this.errors = shown;
  }
}
