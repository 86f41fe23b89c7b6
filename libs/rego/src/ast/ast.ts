/**
 * Rego v1 abstract syntax tree.
 *
 * The same types describe the parser's output and the compiler's output; the compiler only narrows what
 * may appear (see libs/rego/src/compiler/README.md for the guarantees after compilation).
 * Every node carries a `loc` ({file, row, col}, 1-based row and column of its first character).
 */

export interface Location {
  file: string;
  row: number;
  col: number;
}

/* ----------------------------------------------------------------------------------------------- terms */

export interface NullTerm {
  type: 'null';
  loc: Location;
}

export interface BooleanTerm {
  type: 'boolean';
  value: boolean;
  loc: Location;
}

/** A number; `text` is the literal exactly as written (e.g. `1`, `-2.5`, `1e400`, `123456789012345678901`). */
export interface NumberTerm {
  type: 'number';
  text: string;
  loc: Location;
}

/** A string; `value` is the decoded string (escapes resolved; raw strings as written). */
export interface StringTerm {
  type: 'string';
  value: string;
  loc: Location;
}

/**
 * A variable. `_` is the wildcard (the parser keeps `_`; the compiler gives each a unique generated name).
 * Generated variables start with `__` (e.g. `__local3__`, see the compiler README).
 */
export interface VarTerm {
  type: 'var';
  name: string;
  loc: Location;
}

/**
 * A reference `head.a[b]…`. `terms[0]` is the head (a var such as `data`, `input` or a local before and after
 * compilation; before compilation it may also be an array/object/set/comprehension/call term). Each further
 * term is the operand of one step: `.a` is stored as a StringTerm "a", `[x]` as the term x.
 */
export interface RefTerm {
  type: 'ref';
  terms: Term[];
  loc: Location;
}

export interface ArrayTerm {
  type: 'array';
  items: Term[];
  loc: Location;
}

export interface ObjectTerm {
  type: 'object';
  items: [Term, Term][];
  loc: Location;
}

export interface SetTerm {
  type: 'set';
  items: Term[];
  loc: Location;
}

export interface ArrayComprehension {
  type: 'arraycomp';
  term: Term;
  body: Body;
  loc: Location;
}

export interface SetComprehension {
  type: 'setcomp';
  term: Term;
  body: Body;
  loc: Location;
}

export interface ObjectComprehension {
  type: 'objectcomp';
  key: Term;
  value: Term;
  body: Body;
  loc: Location;
}

/**
 * A call used as a term (nested inside another term), e.g. `count(x)` in `y := count(x) + 1`.
 * `operator` is a ref naming the function: a builtin (`count` = [var count]; `object.get` = [var object,
 * string "get"]) or, after compilation, a user function (`data.pkg.f`). Operators such as `+` are parsed as
 * calls of their builtin names (`plus`, …).
 */
export interface CallTerm {
  type: 'call';
  operator: RefTerm;
  args: Term[];
  loc: Location;
}

export type ScalarTerm = NullTerm | BooleanTerm | NumberTerm | StringTerm;
export type ComprehensionTerm = ArrayComprehension | SetComprehension | ObjectComprehension;
export type Term =
  ScalarTerm | VarTerm | RefTerm | ArrayTerm | ObjectTerm | SetTerm | ComprehensionTerm | CallTerm;
export type TermType = Term['type'];

/* ----------------------------------------------------------------------------------------- expressions */

/** `with <target> as <value>`; target is a ref (`input…`, `data…`, or a function/builtin name). */
export interface WithModifier {
  target: RefTerm;
  value: Term;
  loc: Location;
}

interface ExprBase {
  loc: Location;
  with: WithModifier[];
}

/** A lone term: true when it is defined and not `false`. */
export interface TermExpr extends ExprBase {
  kind: 'term';
  term: Term;
}

/**
 * A call expression. Operators are parsed to calls of their builtin names: `=` → `eq`, `:=` → `assign`,
 * `==` → `equal`, `!=` → `neq`, `<` `<=` `>` `>=` → `lt` `lte` `gt` `gte`, `+ - * / %` → `plus minus mul div
 * rem`, `|` → `or`, `&` → `and`, `x in xs` → `internal.member_2`, `k, v in xs` → `internal.member_3`.
 * With as many args as the function's arity the call is a test (true unless undefined or false); with one
 * more, the last arg is the output.
 */
export interface CallExpr extends ExprBase {
  kind: 'call';
  operator: RefTerm;
  args: Term[];
}

/** `some x, y` (parser only; removed by the compiler). */
export interface SomeDeclExpr extends ExprBase {
  kind: 'some';
  vars: VarTerm[];
}

/** `some v in xs` / `some k, v in xs` (parser only; rewritten by the compiler). */
export interface SomeInExpr extends ExprBase {
  kind: 'somein';
  key?: Term;
  value: Term;
  collection: Term;
}

/** `every v in xs { body }` / `every k, v in xs { body }`. */
export interface EveryExpr extends ExprBase {
  kind: 'every';
  key?: VarTerm;
  value: VarTerm;
  domain: Term;
  body: Body;
}

/** `not <expr>`: the parser produces a body of exactly one expression; the compiler may expand it. */
export interface NotExpr extends ExprBase {
  kind: 'not';
  body: Body;
}

export type Expr = TermExpr | CallExpr | SomeDeclExpr | SomeInExpr | EveryExpr | NotExpr;
export type ExprKind = Expr['kind'];
export type Body = Expr[];

/* ------------------------------------------------------------------------------------------ rules */

/**
 * - `single`: a complete or single-value rule (`p := 1`, `p if …`, `a.b[k] := v`, `default p := 0`).
 * - `multi`: a multi-value (partial set) rule (`p contains x if …`, `a.b[x] contains y`).
 * - `function`: a function (`f(x) := y if …`, `f(x) if …`).
 */
export type RuleKind = 'single' | 'multi' | 'function';

export interface RuleHead {
  /**
   * The rule's reference. Parser: relative to the package (`p` → [var p]; `a.b[x]` → [var a, "b", var x]).
   * Compiler: absolute (`data.pkg.a.b[x]` → [var data, "pkg", "a", "b", var x]).
   */
  ref: Term[];
  kind: RuleKind;
  /** Function parameters (kind `function`). */
  args?: Term[];
  /** The element of a multi-value rule (`contains <key>`). */
  key?: Term;
  /** The value (`:= v`, `= v`); `true` (generated) when omitted for single-value rules and functions. */
  value?: Term;
  /** True when declared with `:=`. */
  assign: boolean;
  loc: Location;
}

export interface Rule {
  head: RuleHead;
  /** Body; a rule without body gets the generated body `[true]`. */
  body: Body;
  default: boolean;
  /** The next rule of an `else` chain (same head ref, kind and args; its own value and body). */
  else?: Rule;
  loc: Location;
  /** Compiler only: the package path of the module that defines the rule, e.g. ['data', 'pkg']. */
  packagePath?: string[];
}

export interface Package {
  /** The package ref, absolute: `package a.b` → [var data, "a", "b"]. */
  path: Term[];
  loc: Location;
}

export interface Import {
  /** The imported ref (`data.x.y`, `input.z`, `rego.v1`, `future.keywords.in`). */
  path: RefTerm;
  alias?: string;
  loc: Location;
}

export interface Module {
  file: string;
  package: Package;
  imports: Import[];
  rules: Rule[];
}
