import type { Location } from '../ast/ast';

/** A program the planner cannot turn into IR (a construct the compiler should have rejected or rewritten). */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly loc?: Location,
  ) {
    super(loc ? `${loc.file || '<query>'}:${loc.row}:${loc.col}: ${message}` : message);
    this.name = 'PlanError';
  }
}
