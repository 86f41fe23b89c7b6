import type { Location } from '../ast/ast';

/** Error codes the planner reports: recursion the front end could not see (reads of `data` or a package). */
export type PlanErrorCode = 'rego_planner_error' | 'rego_recursion_error';

/** A program the planner cannot turn into IR (a construct the compiler should have rejected or rewritten). */
export class PlanError extends Error {
  /** The message without the location prefix (compile() reports the location in separate fields). */
  readonly detail: string;

  constructor(
    message: string,
    readonly loc?: Location,
    readonly code: PlanErrorCode = 'rego_planner_error',
  ) {
    super(loc ? `${loc.file || '<query>'}:${loc.row}:${loc.col}: ${message}` : message);
    this.name = 'PlanError';
    this.detail = message;
  }
}
