/** One compile error of a draft, as returned by the API and stored with the draft. */
export interface PolicyCompileIssue {
  file: string;
  /** 1-based; 0 when the error is not tied to a position (e.g. a missing entrypoint). */
  row: number;
  col: number;
  code: string;
  message: string;
}
