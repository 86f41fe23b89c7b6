import type {
  Body,
  BooleanTerm,
  CallExpr,
  EveryExpr,
  Expr,
  Import,
  Location,
  Module,
  RefTerm,
  Rule,
  RuleHead,
  RuleKind,
  Term,
  VarTerm,
  WithModifier,
} from '../ast/ast';
import { MAX_ERRORS, RegoCompileError } from '../compiler/rego-compile.error';
import { LexError, tokenize, type Token } from './rego.lexer';

const KEYWORDS = new Set([
  'package',
  'import',
  'as',
  'default',
  'else',
  'not',
  'with',
  'some',
  'in',
  'every',
  'contains',
  'if',
  'true',
  'false',
  'null',
]);

const RELATION_OPS: Record<string, string> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
};
const ARITH_OPS: Record<string, string> = { '+': 'plus', '-': 'minus' };
const FACTOR_OPS: Record<string, string> = { '*': 'mul', '/': 'div', '%': 'rem' };

/** Deepest nesting of brackets / bodies / unary operators accepted (hostile input must not blow the stack). */
const MAX_DEPTH = 200;
/** Longest chain of binary operators at one level. */
const MAX_CHAIN = 2000;

class ParseFailure extends Error {
  constructor(
    message: string,
    readonly row: number,
    readonly col: number,
  ) {
    super(message);
  }
}

/** Builds a call term of a builtin (dotted `name`) at `loc`. */
export function builtinCall(name: string, args: Term[], loc: Location): Term {
  return { type: 'call', operator: nameRef(name, loc), args, loc };
}

/** A ref naming a builtin or function: `object.get` → [var object, "get"]. */
export function nameRef(name: string, loc: Location): RefTerm {
  const parts = name.split('.');
  return {
    type: 'ref',
    terms: parts.map((p, i): Term =>
      i === 0 ? { type: 'var', name: p, loc } : { type: 'string', value: p, loc },
    ),
    loc,
  };
}

/** Recursive-descent parser for Rego v1 modules and queries. */
export class RegoParser {
  private readonly tokens: Token[];
  private pos = 0;
  /** > 0 inside parentheses / brackets / braces of a term: newlines do not end an expression there. */
  private groupDepth = 0;
  /** While parsing the first element of a collection, `|` starts a comprehension instead of `or`. */
  private noOr = false;
  private depth = 0;

  constructor(
    private readonly file: string,
    text: string,
  ) {
    try {
      this.tokens = tokenize(text);
    } catch (e) {
      if (e instanceof LexError) throw this.toError(e.message, e.row, e.col);
      throw e;
    }
  }

  /** Failures inside rules, recovered from at the next line starting in column 1. */
  private readonly failures: ParseFailure[] = [];

  parseModule(): Module {
    let mod: Module | undefined;
    try {
      mod = this.module();
    } catch (e) {
      if (e instanceof ParseFailure) this.failures.push(e);
      else throw e;
    }
    if (this.failures.length > 0 || mod === undefined)
      throw new RegoCompileError(
        this.failures.map((f) => ({
          file: this.file,
          row: f.row,
          col: f.col,
          code: 'rego_parse_error',
          message: f.message,
        })),
      );
    return mod;
  }

  parseQuery(): Body {
    try {
      const body: Body = [];
      while (this.peek().type !== 'eof') {
        body.push(this.literal());
        const t = this.peek();
        if (this.isOp(t, ';')) this.next();
        else if (t.type !== 'eof' && !t.nl)
          this.fail(t, `unexpected ${this.describe(t)}, expected ; or newline`);
      }
      if (body.length === 0) this.fail(this.peek(), 'empty query');
      return body;
    } catch (e) {
      if (e instanceof ParseFailure) throw this.toError(e.message, e.row, e.col);
      throw e;
    }
  }

  /* ------------------------------------------------------------------------------------ helpers */

  private toError(message: string, row: number, col: number): RegoCompileError {
    return new RegoCompileError([{ file: this.file, row, col, code: 'rego_parse_error', message }]);
  }

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.tokens[this.pos];
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private isOp(t: Token, text: string): boolean {
    return t.type === 'op' && t.text === text;
  }

  private isKw(t: Token, kw: string): boolean {
    return t.type === 'ident' && t.text === kw;
  }

  private loc(t: Token): Location {
    return { file: this.file, row: t.row, col: t.col };
  }

  private fail(t: Token, message: string): never {
    throw new ParseFailure(message, t.row, t.col);
  }

  private describe(t: Token): string {
    switch (t.type) {
      case 'eof':
        return 'end of input';
      case 'ident':
        return KEYWORDS.has(t.text) ? `keyword "${t.text}"` : `identifier "${t.text}"`;
      case 'number':
        return `number ${t.text}`;
      case 'string':
      case 'rawstring':
        return 'string';
      default:
        return `"${t.text}"`;
    }
  }

  private expectOp(text: string, context: string): Token {
    const t = this.peek();
    if (!this.isOp(t, text)) this.fail(t, `unexpected ${this.describe(t)}, expected "${text}" ${context}`);
    return this.next();
  }

  /** True when `t` (an infix operator) continues the current expression. */
  private continues(t: Token): boolean {
    return !t.nl || this.groupDepth > 0;
  }

  private grouped<T>(fn: () => T): T {
    const depth = this.groupDepth;
    const noOr = this.noOr;
    this.groupDepth = depth + 1;
    this.noOr = false;
    try {
      this.enter();
      return fn();
    } finally {
      this.groupDepth = depth;
      this.noOr = noOr;
      this.depth--;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(this.peek(), `nesting too deep (more than ${MAX_DEPTH} levels)`);
  }

  /* ------------------------------------------------------------------------------------ module */

  private module(): Module {
    const t = this.peek();
    if (!this.isKw(t, 'package'))
      this.fail(t, `unexpected ${this.describe(t)}, expected package declaration`);
    this.next();
    const pathTok = this.peek();
    const ref = this.plainRef('package');
    const path: Term[] = [{ type: 'var', name: 'data', loc: this.loc(pathTok) }];
    for (const [i, part] of ref.terms.entries()) {
      if (i === 0 && part.type === 'var') path.push({ type: 'string', value: part.name, loc: part.loc });
      else if (i > 0 && part.type === 'string') path.push(part);
      else this.fail(pathTok, 'package path must contain only names and string keys');
    }
    const mod: Module = { file: this.file, package: { path, loc: this.loc(t) }, imports: [], rules: [] };
    while (this.isKw(this.peek(), 'import')) mod.imports.push(this.importDecl());
    while (this.peek().type !== 'eof') {
      const r = this.peek();
      if (this.isKw(r, 'import')) this.fail(r, 'import must come before the rules of a module');
      if (this.isKw(r, 'package')) this.fail(r, 'unexpected second package declaration');
      const start = this.pos;
      try {
        mod.rules.push(this.rule());
        const after = this.peek();
        if (this.isOp(after, ';')) this.next();
        else if (after.type !== 'eof' && !after.nl)
          this.fail(after, `unexpected ${this.describe(after)} after rule, expected newline`);
      } catch (e) {
        if (!(e instanceof ParseFailure) || this.failures.length >= MAX_ERRORS - 1) throw e;
        this.failures.push(e);
        this.skipToNextRule(start);
      }
    }
    return mod;
  }

  /** Error recovery: skips to the next name starting a line in column 1 (the start of a rule). */
  private skipToNextRule(start: number): void {
    this.groupDepth = 0;
    this.noOr = false;
    if (this.pos === start) this.next();
    for (;;) {
      const t = this.peek();
      if (t.type === 'eof' || (t.nl && t.col === 1 && t.type === 'ident')) return;
      this.next();
    }
  }

  private importDecl(): Import {
    const t = this.next();
    const start = this.peek();
    const path = this.plainRef('import');
    const head = path.terms[0];
    if (head.type !== 'var' || !['data', 'input', 'future', 'rego'].includes(head.name))
      this.fail(start, 'invalid import: path must begin with input, data, future or rego');
    const imp: Import = { path, loc: this.loc(t) };
    if (this.isKw(this.peek(), 'as')) {
      this.next();
      const a = this.next();
      if (a.type !== 'ident' || KEYWORDS.has(a.text)) this.fail(a, 'invalid import alias: expected a name');
      imp.alias = a.text;
    }
    return imp;
  }

  /** `name(.name | ["string"])*` — package and import paths. */
  private plainRef(what: string): RefTerm {
    const t = this.next();
    if (t.type !== 'ident' || KEYWORDS.has(t.text))
      this.fail(t, `unexpected ${this.describe(t)}, expected ${what} path`);
    const terms: Term[] = [{ type: 'var', name: t.text, loc: this.loc(t) }];
    for (;;) {
      const d = this.peek();
      if (this.isOp(d, '.') && !d.ws) {
        this.next();
        const n = this.next();
        if (n.type !== 'ident') this.fail(n, `unexpected ${this.describe(n)}, expected name after "."`);
        terms.push({ type: 'string', value: n.text, loc: this.loc(n) });
      } else if (this.isOp(d, '[') && !d.ws) {
        this.next();
        const s = this.next();
        if (s.type !== 'string' && s.type !== 'rawstring') this.fail(s, `${what} path keys must be strings`);
        terms.push({ type: 'string', value: s.text, loc: this.loc(s) });
        this.expectOp(']', `in ${what} path`);
      } else break;
    }
    return { type: 'ref', terms, loc: this.loc(t) };
  }

  /* ------------------------------------------------------------------------------------ rules */

  private rule(): Rule {
    const start = this.peek();
    let isDefault = false;
    if (this.isKw(start, 'default')) {
      this.next();
      isDefault = true;
    }
    const nameTok = this.peek();
    if (nameTok.type !== 'ident' || KEYWORDS.has(nameTok.text))
      this.fail(nameTok, `unexpected ${this.describe(nameTok)}, expected rule`);
    const ref = this.headRef();
    const headLoc = this.loc(nameTok);
    let kind: RuleKind = 'single';
    let args: Term[] | undefined;
    const p = this.peek();
    if (this.isOp(p, '(') && !p.ws) {
      this.next();
      args = this.grouped(() => this.termList(')'));
      kind = 'function';
    }
    let key: Term | undefined;
    let value: Term | undefined;
    let assign = false;
    if (this.isKw(this.peek(), 'contains')) {
      const c = this.next();
      if (args) this.fail(c, 'functions cannot use "contains"');
      if (isDefault) this.fail(c, 'default rules cannot use "contains"');
      key = this.exprTerm();
      kind = 'multi';
    }
    const op = this.peek();
    if ((this.isOp(op, ':=') || this.isOp(op, '=')) && this.continues(op)) {
      if (kind === 'multi') this.fail(op, 'multi-value rules ("contains") cannot have a value');
      this.next();
      assign = op.text === ':=';
      value = this.exprTerm();
    }
    let body: Body | undefined;
    const b = this.peek();
    if (this.isKw(b, 'if')) {
      this.next();
      if (isDefault) this.fail(b, 'default rules cannot have a body');
      body = this.ruleBody();
    } else if (this.isOp(b, '{') && !b.nl) {
      this.fail(b, '`if` keyword is required before rule body');
    }
    if (isDefault && value === undefined)
      this.fail(start, 'default rules must have a value (default p := <value>)');
    if (body === undefined && value === undefined && key === undefined)
      this.fail(nameTok, 'rule must have a value or a body (use `if`, `:=` or `contains`)');
    const head: RuleHead = { ref, kind, assign, loc: headLoc };
    if (args) head.args = args;
    if (key) head.key = key;
    if (kind !== 'multi') head.value = value ?? this.trueTerm(headLoc);
    const rule: Rule = {
      head,
      body: body ?? [this.trueExpr(headLoc)],
      default: isDefault,
      loc: this.loc(start),
    };
    let last = rule;
    while (this.isKw(this.peek(), 'else')) {
      const e = this.next();
      if (kind === 'multi') this.fail(e, 'else keyword cannot be used on multi-value rules');
      if (isDefault) this.fail(e, 'else keyword cannot be used on default rules');
      let elseValue: Term | undefined;
      let elseAssign = assign;
      const eop = this.peek();
      if ((this.isOp(eop, ':=') || this.isOp(eop, '=')) && !eop.nl) {
        this.next();
        elseAssign = eop.text === ':=';
        elseValue = this.exprTerm();
      }
      let elseBody: Body | undefined;
      const eb = this.peek();
      if (this.isKw(eb, 'if')) {
        this.next();
        elseBody = this.ruleBody();
      } else if (this.isOp(eb, '{') && !eb.nl) {
        this.fail(eb, '`if` keyword is required before else body');
      }
      const eloc = this.loc(e);
      const elseHead: RuleHead = {
        ref,
        kind,
        assign: elseAssign,
        value: elseValue ?? this.trueTerm(eloc),
        loc: eloc,
      };
      if (args) elseHead.args = args;
      const elseRule: Rule = {
        head: elseHead,
        body: elseBody ?? [this.trueExpr(eloc)],
        default: false,
        loc: eloc,
      };
      last.else = elseRule;
      last = elseRule;
    }
    return rule;
  }

  /** A rule head's reference: `p`, `a.b.c`, `p[x]`, `a.b[x].c`. */
  private headRef(): Term[] {
    const t = this.next();
    const terms: Term[] = [{ type: 'var', name: t.text, loc: this.loc(t) }];
    for (;;) {
      const d = this.peek();
      if (this.isOp(d, '.') && !d.ws) {
        this.next();
        const n = this.next();
        if (n.type !== 'ident') this.fail(n, `unexpected ${this.describe(n)}, expected name after "."`);
        terms.push({ type: 'string', value: n.text, loc: this.loc(n) });
      } else if (this.isOp(d, '[') && !d.ws) {
        this.next();
        terms.push(this.grouped(() => this.exprTerm()));
        this.expectOp(']', 'in rule head');
      } else break;
    }
    return terms;
  }

  private ruleBody(): Body {
    const t = this.peek();
    if (this.isOp(t, '{')) {
      // `if {` starts a body, unless that fails and the text is an expression starting with a set/object
      // comprehension (`f(x) := 1 if {k: v | …}`).
      const start = this.pos;
      try {
        this.next();
        return this.body('}');
      } catch (e) {
        if (!(e instanceof ParseFailure)) throw e;
        this.pos = start;
        let lit: Expr;
        try {
          lit = this.literal();
        } catch {
          throw e;
        }
        const t = lit.kind === 'term' ? lit.term : lit.kind === 'call' ? lit.args[0] : undefined;
        const comprehension = t?.type === 'objectcomp' || t?.type === 'setcomp';
        if (!comprehension) throw e;
        return [lit];
      }
    }
    const saved = this.groupDepth;
    this.groupDepth = 0;
    try {
      return [this.literal()];
    } finally {
      this.groupDepth = saved;
    }
  }

  private trueTerm(loc: Location): BooleanTerm {
    return { type: 'boolean', value: true, loc };
  }

  private trueExpr(loc: Location): Expr {
    return { kind: 'term', term: this.trueTerm(loc), with: [], loc };
  }

  /* ------------------------------------------------------------------------------------ bodies */

  /** Literals up to `close` (the opening token is consumed already). */
  private body(close: string): Body {
    const savedDepth = this.groupDepth;
    const savedNoOr = this.noOr;
    this.groupDepth = 0;
    this.noOr = false;
    try {
      this.enter();
      const body: Body = [];
      for (;;) {
        const t = this.peek();
        if (this.isOp(t, close)) {
          if (body.length === 0) this.fail(t, 'found empty body');
          this.next();
          return body;
        }
        if (t.type === 'eof') this.fail(t, `unexpected end of input, expected "${close}"`);
        body.push(this.literal());
        const s = this.peek();
        if (this.isOp(s, ';')) this.next();
        else if (!this.isOp(s, close) && !s.nl)
          this.fail(s, `unexpected ${this.describe(s)}, expected ; or newline or "${close}"`);
      }
    } finally {
      this.groupDepth = savedDepth;
      this.noOr = savedNoOr;
      this.depth--;
    }
  }

  private literal(): Expr {
    const t = this.peek();
    let expr: Expr;
    if (this.isKw(t, 'some')) expr = this.someDecl();
    else if (this.isKw(t, 'every')) expr = this.every();
    else if (this.isKw(t, 'not')) {
      this.next();
      const n = this.peek();
      if (this.isKw(n, 'some') || this.isKw(n, 'every') || this.isKw(n, 'not'))
        this.fail(n, `unexpected ${this.describe(n)} after not`);
      expr = { kind: 'not', body: [this.expr()], with: [], loc: this.loc(t) };
    } else expr = this.expr();
    expr.with = this.withs();
    return expr;
  }

  private withs(): WithModifier[] {
    const out: WithModifier[] = [];
    while (this.isKw(this.peek(), 'with')) {
      const w = this.next();
      const targetTok = this.peek();
      const target = this.primary();
      let ref: RefTerm;
      if (target.type === 'var') ref = { type: 'ref', terms: [target], loc: target.loc };
      else if (target.type === 'ref') ref = target;
      else this.fail(targetTok, 'with target must be a reference (input, data or a function)');
      const as = this.next();
      if (!this.isKw(as, 'as')) this.fail(as, `unexpected ${this.describe(as)}, expected "as"`);
      const value = this.exprTerm();
      out.push({ target: ref, value, loc: this.loc(w) });
    }
    return out;
  }

  private someDecl(): Expr {
    const s = this.next();
    const loc = this.loc(s);
    const first = this.relation();
    const items: Term[] = [first];
    while (this.isOp(this.peek(), ',')) {
      this.next();
      items.push(this.relation());
    }
    if (this.isKw(this.peek(), 'in')) {
      const inTok = this.next();
      if (items.length > 2) this.fail(inTok, 'some … in: at most two vars (key, value) before "in"');
      const collection = this.relation();
      return items.length === 2
        ? { kind: 'somein', key: items[0], value: items[1], collection, with: [], loc }
        : { kind: 'somein', value: items[0], collection, with: [], loc };
    }
    const vars: VarTerm[] = [];
    for (const it of items) {
      if (it.type !== 'var') throw new ParseFailure('some: expected variable names', it.loc.row, it.loc.col);
      vars.push(it);
    }
    return { kind: 'some', vars, with: [], loc };
  }

  private every(): EveryExpr {
    const e = this.next();
    const v1Tok = this.peek();
    const a = this.primary();
    if (a.type !== 'var') this.fail(v1Tok, 'every: expected a variable');
    let key: VarTerm | undefined;
    let value: VarTerm = a;
    if (this.isOp(this.peek(), ',')) {
      this.next();
      const v2Tok = this.peek();
      const b = this.primary();
      if (b.type !== 'var') this.fail(v2Tok, 'every: expected a variable');
      key = a;
      value = b;
    }
    const inTok = this.next();
    if (!this.isKw(inTok, 'in'))
      this.fail(inTok, `unexpected ${this.describe(inTok)}, expected "in" in every`);
    const domain = this.relation();
    this.expectOp('{', 'to open the every body');
    const body = this.body('}');
    const out: EveryExpr = { kind: 'every', value, domain, body, with: [], loc: this.loc(e) };
    if (key) out.key = key;
    return out;
  }

  /** An expression: a term, a call, a unification or an assignment. */
  private expr(): Expr {
    const startTok = this.peek();
    const loc = this.loc(startTok);
    let lhs = this.inExpr();
    const c = this.peek();
    if (this.isOp(c, ',') && this.groupDepth === 0) {
      this.next();
      const v = this.relation();
      const i = this.next();
      if (!this.isKw(i, 'in')) this.fail(i, `unexpected ${this.describe(i)}, expected "in"`);
      const coll = this.relation();
      lhs = builtinCall('internal.member_3', [lhs, v, coll], loc);
    }
    const op = this.peek();
    if ((this.isOp(op, ':=') || this.isOp(op, '=')) && this.continues(op)) {
      this.next();
      const rhs = this.inExpr();
      const call: CallExpr = {
        kind: 'call',
        operator: nameRef(op.text === ':=' ? 'assign' : 'eq', this.loc(op)),
        args: [lhs, rhs],
        with: [],
        loc,
      };
      return call;
    }
    if (lhs.type === 'call') return { kind: 'call', operator: lhs.operator, args: lhs.args, with: [], loc };
    return { kind: 'term', term: lhs, with: [], loc };
  }

  /** A term with infix operators (as in a rule value or a `with` value). */
  private exprTerm(): Term {
    return this.inExpr();
  }

  private inExpr(): Term {
    let lhs = this.relation();
    for (;;) {
      const t = this.peek();
      if (!this.isKw(t, 'in') || !this.continues(t)) return lhs;
      this.next();
      const rhs = this.relation();
      lhs = builtinCall('internal.member_2', [lhs, rhs], lhs.loc);
    }
  }

  private binary(ops: Record<string, string>, sub: () => Term, guard?: () => boolean): Term {
    let lhs = sub();
    for (let n = 0; ; n++) {
      const t = this.peek();
      if (t.type !== 'op' || !(t.text in ops) || !this.continues(t) || (guard && !guard())) return lhs;
      if (n >= MAX_CHAIN) this.fail(t, `expression too long (more than ${MAX_CHAIN} operators)`);
      this.next();
      const rhs = sub();
      lhs = builtinCall(ops[t.text], [lhs, rhs], lhs.loc);
    }
  }

  private relation(): Term {
    return this.binary(RELATION_OPS, () => this.orExpr());
  }

  private orExpr(): Term {
    return this.binary(
      { '|': 'or' },
      () => this.andExpr(),
      () => !this.noOr,
    );
  }

  private andExpr(): Term {
    return this.binary({ '&': 'and' }, () => this.arith());
  }

  private arith(): Term {
    return this.binary(ARITH_OPS, () => this.factor());
  }

  private factor(): Term {
    return this.binary(FACTOR_OPS, () => this.unary());
  }

  private unary(): Term {
    const t = this.peek();
    if (this.isOp(t, '-')) {
      this.next();
      const n = this.peek();
      if (n.type === 'number' && !n.ws) {
        this.next();
        return this.postfix({ type: 'number', text: '-' + n.text, loc: this.loc(t) });
      }
      try {
        this.enter();
        const operand = this.unary();
        return builtinCall('minus', [{ type: 'number', text: '0', loc: this.loc(t) }, operand], this.loc(t));
      } finally {
        this.depth--;
      }
    }
    return this.primary();
  }

  /* ------------------------------------------------------------------------------------ terms */

  private primary(): Term {
    const t = this.peek();
    const loc = this.loc(t);
    switch (t.type) {
      case 'number':
        this.next();
        return this.postfix({ type: 'number', text: t.text, loc });
      case 'string':
      case 'rawstring':
        this.next();
        return this.postfix({ type: 'string', value: t.text, loc });
      case 'ident': {
        if (t.text === 'true' || t.text === 'false') {
          this.next();
          return { type: 'boolean', value: t.text === 'true', loc };
        }
        if (t.text === 'null') {
          this.next();
          return { type: 'null', loc };
        }
        const p = this.peek(1);
        const builtinName = t.text === 'contains' && this.isOp(p, '(') && !p.ws;
        if (KEYWORDS.has(t.text) && !builtinName) this.fail(t, `unexpected ${this.describe(t)}`);
        this.next();
        if (t.text === 'set' && this.isOp(p, '(') && !p.ws && this.isOp(this.peek(1), ')')) {
          this.next();
          this.next();
          return this.postfix({ type: 'set', items: [], loc });
        }
        return this.postfix({ type: 'var', name: t.text, loc });
      }
      case 'op':
        if (t.text === '(') {
          this.next();
          const inner = this.grouped(() => this.inExpr());
          this.expectOp(')', 'to close "("');
          return inner;
        }
        if (t.text === '[') return this.postfix(this.arrayTerm());
        if (t.text === '{') return this.postfix(this.braceTerm());
        return this.fail(t, `unexpected ${this.describe(t)}, expected a term`);
      default:
        return this.fail(t, `unexpected ${this.describe(t)}, expected a term`);
    }
  }

  /** `.name`, `[term]` and `(args)` after a term (no whitespace before them). */
  private postfix(term: Term): Term {
    let cur = term;
    for (;;) {
      const t = this.peek();
      if (t.ws || t.type !== 'op') return cur;
      if (t.text === '.') {
        if (!this.refable(cur)) return cur;
        this.next();
        const n = this.next();
        if (n.type !== 'ident') this.fail(n, `unexpected ${this.describe(n)}, expected name after "."`);
        cur = this.extend(cur, { type: 'string', value: n.text, loc: this.loc(n) });
      } else if (t.text === '[') {
        if (!this.refable(cur)) return cur;
        this.next();
        const operand = this.grouped(() => this.inExpr());
        this.expectOp(']', 'to close "["');
        cur = this.extend(cur, operand);
      } else if (t.text === '(') {
        if (!this.callable(cur)) return cur;
        this.next();
        const args = this.grouped(() => this.termList(')'));
        const operator: RefTerm = cur.type === 'ref' ? cur : { type: 'ref', terms: [cur], loc: cur.loc };
        cur = { type: 'call', operator, args, loc: cur.loc };
      } else return cur;
    }
  }

  private refable(t: Term): boolean {
    return t.type !== 'number' && t.type !== 'boolean' && t.type !== 'null';
  }

  private callable(t: Term): boolean {
    if (t.type === 'var') return true;
    if (t.type !== 'ref') return false;
    return t.terms[0].type === 'var' && t.terms.slice(1).every((x) => x.type === 'string');
  }

  private extend(head: Term, operand: Term): RefTerm {
    if (head.type === 'ref') return { type: 'ref', terms: [...head.terms, operand], loc: head.loc };
    return { type: 'ref', terms: [head, operand], loc: head.loc };
  }

  /** Comma-separated terms up to `close` (opening consumed); trailing comma allowed. */
  private termList(close: string): Term[] {
    const out: Term[] = [];
    for (;;) {
      if (this.isOp(this.peek(), close)) {
        this.next();
        return out;
      }
      out.push(this.inExpr());
      const s = this.peek();
      if (this.isOp(s, ',')) this.next();
      else if (!this.isOp(s, close))
        this.fail(s, `unexpected ${this.describe(s)}, expected "," or "${close}"`);
    }
  }

  private firstElement(): Term {
    const saved = this.noOr;
    this.noOr = true;
    try {
      return this.inExpr();
    } finally {
      this.noOr = saved;
    }
  }

  private arrayTerm(): Term {
    const open = this.next();
    const loc = this.loc(open);
    return this.grouped((): Term => {
      if (this.isOp(this.peek(), ']')) {
        this.next();
        return { type: 'array', items: [], loc };
      }
      const first = this.firstElement();
      if (this.isOp(this.peek(), '|')) {
        this.next();
        return { type: 'arraycomp', term: first, body: this.body(']'), loc };
      }
      const items = [first];
      if (this.isOp(this.peek(), ',')) {
        this.next();
        items.push(...this.termList(']'));
      } else this.expectOp(']', 'to close array');
      return { type: 'array', items, loc };
    });
  }

  private braceTerm(): Term {
    const open = this.next();
    const loc = this.loc(open);
    return this.grouped((): Term => {
      if (this.isOp(this.peek(), '}')) {
        this.next();
        return { type: 'object', items: [], loc };
      }
      const first = this.firstElement();
      const s = this.peek();
      if (this.isOp(s, ':')) {
        this.next();
        const value = this.firstElement();
        if (this.isOp(this.peek(), '|')) {
          this.next();
          return { type: 'objectcomp', key: first, value, body: this.body('}'), loc };
        }
        const items: [Term, Term][] = [[first, value]];
        for (;;) {
          const sep = this.peek();
          if (this.isOp(sep, '}')) {
            this.next();
            return { type: 'object', items, loc };
          }
          this.expectOp(',', 'or "}" in object');
          if (this.isOp(this.peek(), '}')) continue;
          const k = this.inExpr();
          this.expectOp(':', 'after object key');
          items.push([k, this.inExpr()]);
        }
      }
      if (this.isOp(s, '|')) {
        this.next();
        return { type: 'setcomp', term: first, body: this.body('}'), loc };
      }
      const items = [first];
      if (this.isOp(s, ',')) {
        this.next();
        items.push(...this.termList('}'));
      } else this.expectOp('}', 'to close set');
      return { type: 'set', items, loc };
    });
  }
}

/** Parses one Rego v1 module; throws RegoCompileError (code rego_parse_error) on a syntax error. */
export function parseModule(file: string, text: string): Module {
  return new RegoParser(file, text).parseModule();
}

/** Parses a query (a body on its own); locations use the file name ''. */
export function parseQuery(text: string, file = ''): Body {
  return new RegoParser(file, text).parseQuery();
}
