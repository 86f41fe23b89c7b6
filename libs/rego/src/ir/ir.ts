/**
 * Mandate's intermediate representation: what the planner produces and the Wasm code generator consumes.
 *
 * Execution model (the contract between planner and codegen):
 * - Every local holds a pointer to a runtime value, or 0 meaning "undefined". Local 0 is `input`, local 1 is
 *   `data`. Other locals are numbered by the planner, per plan / per function, starting at 2.
 * - A block runs its statements in order. A statement that is *undefined* (a failed test, a missing key, a
 *   builtin or function call returning undefined, …) stops the block: execution continues after the block
 *   in its parent. Reaching the end of a block also continues after it.
 * - `break` with index N leaves N+1 enclosing blocks (0 = the innermost block that contains the statement).
 *   Blocks inside `scan`, `not` and `with` bodies count as blocks; the scan loop itself does not.
 * - Rules and functions are `Func`s. Calling a func whose result local is still 0 at the end is undefined.
 *   Funcs with exactly the two params (input, data) are memoised by the code generator (cache cleared per
 *   evaluation, pushed/popped around `with`).
 */

export type Local = number;

export const INPUT: Local = 0;
export const DATA: Local = 1;

/** An operand: a local, a boolean constant, or a string from `Policy.strings`. */
export type Operand =
  | { kind: 'local'; local: Local }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; index: number };

/** Source location used for runtime errors: file index into `Policy.files`, 1-based row and column. */
export interface Location {
  file: number;
  row: number;
  col: number;
}

export interface Policy {
  /** Static strings (object keys, string literals, number literals in text form). */
  strings: string[];
  /** File names, for runtime error messages (`<file>:<row>:<col>: <message>`). */
  files: string[];
  /** Builtin functions the plans and funcs call, by Rego name (e.g. `plus`, `object.get`, `sprintf`). */
  builtins: BuiltinRef[];
  funcs: Func[];
  /** Entrypoints in id order; `Plan.name` is the entrypoint name (`mandate/decision`, or `eval` for a query). */
  plans: Plan[];
}

export interface BuiltinRef {
  name: string;
  /** Number of arguments (not counting the output). */
  arity: number;
}

export interface Plan {
  name: string;
  blocks: Block[];
}

export interface Func {
  /** Unique name, e.g. `g0.data.pkg.rule` or `g0.data.pkg.f`. */
  name: string;
  /** Parameter locals; the first two are always input (0) and data (1). */
  params: Local[];
  /** The local whose value is returned (0 = undefined). */
  ret: Local;
  blocks: Block[];
  /** The rule path, e.g. ['data', 'pkg', 'rule'], for diagnostics. */
  path: string[];
}

export interface Block {
  stmts: Stmt[];
}

export type Stmt =
  /** Return from the current func with `source` (funcs only). */
  | { op: 'returnLocal'; source: Local }
  /** Call a func (by name) or a builtin (by Rego name). Undefined if the callee returns undefined. */
  | { op: 'call'; target: { kind: 'func' | 'builtin'; name: string }; args: Operand[]; result: Local; loc?: Location }
  /** A sequence of blocks run one after the other. */
  | { op: 'block'; blocks: Block[] }
  | { op: 'break'; index: number }
  /** target = source[key]; undefined if source is not a collection or has no such key. */
  | { op: 'dot'; source: Operand; key: Operand; target: Local }
  /** target = number of elements of source (array, object, set, or string length in code points). */
  | { op: 'len'; source: Operand; target: Local }
  /** For each (key, value) of source (array: index → elem; object: key → value; set: elem → elem) run block. */
  | { op: 'scan'; source: Local; key: Local; value: Local; block: Block }
  /** Undefined if the block runs to its end; otherwise continues. */
  | { op: 'not'; block: Block }
  | { op: 'assignInt'; value: number; target: Local }
  | { op: 'assignVar'; source: Operand; target: Local }
  /** Assign if target is undefined; if already set to an equal value do nothing; else runtime error
   * `var assignment conflict` (complete rules / functions with conflicting outputs). */
  | { op: 'assignVarOnce'; source: Operand; target: Local; loc?: Location }
  | { op: 'resetLocal'; target: Local }
  | { op: 'makeNull'; target: Local }
  /** Small integer literal. */
  | { op: 'makeNumberInt'; value: number; target: Local }
  /** Any number literal from its text (`strings[index]`), e.g. "1e400", "3.14", "12345678901234567890". */
  | { op: 'makeNumberRef'; index: number; target: Local }
  | { op: 'makeArray'; capacity: number; target: Local }
  | { op: 'makeObject'; target: Local }
  | { op: 'makeSet'; target: Local }
  | { op: 'equal'; a: Operand; b: Operand }
  | { op: 'notEqual'; a: Operand; b: Operand }
  | { op: 'isArray'; source: Operand }
  | { op: 'isObject'; source: Operand }
  | { op: 'isSet'; source: Operand }
  | { op: 'isDefined'; source: Local }
  | { op: 'isUndefined'; source: Local }
  | { op: 'arrayAppend'; value: Operand; array: Local }
  | { op: 'objectInsert'; key: Operand; value: Operand; object: Local }
  /** Insert; if the key exists with a different value, runtime error `object insert conflict`. */
  | { op: 'objectInsertOnce'; key: Operand; value: Operand; object: Local; loc?: Location }
  /** target = deep merge of a and b (objects); undefined on conflict of non-object values. */
  | { op: 'objectMerge'; a: Local; b: Local; target: Local }
  | { op: 'setAdd'; value: Operand; set: Local }
  /**
   * Run block with `local` (input or data) replaced by a copy whose `path` (string indexes) is set to `value`
   * (an empty path replaces the whole document). Memoisation is pushed before and popped after the block.
   */
  | { op: 'with'; local: Local; path: number[]; value: Operand; block: Block }
  /** Add `value` (an object of bindings) to the evaluation's result set (duplicates are dropped). */
  | { op: 'resultSetAdd'; value: Local }
  | { op: 'nop' };

export type StmtOp = Stmt['op'];
