/** One compile diagnostic, in the shape compile() reports. */
export interface CodegenDiagnostic {
  file: string;
  row: number;
  col: number;
  code: string;
  message: string;
}

/** Raised by the code generator when a policy cannot be turned into a Wasm module. */
export class CodegenError extends Error {
  constructor(readonly errors: CodegenDiagnostic[]) {
    super(
      errors.map((e) => `${e.file ? `${e.file}:${e.row}:${e.col}: ` : ''}${e.code}: ${e.message}`).join('\n'),
    );
    this.name = 'CodegenError';
  }

  static single(code: string, message: string): CodegenError {
    return new CodegenError([{ file: '', row: 0, col: 0, code, message }]);
  }
}
