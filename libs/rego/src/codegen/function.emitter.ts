import { INPUT, type Block, type Local, type Location, type Operand, type Stmt } from '../ir/ir';
import type { Binaryen, BinaryenModule } from './binaryen.loader';
import { CodegenError } from './codegen.error';

type Expr = number;

/** An absolute address and length of static bytes in linear memory. */
export interface StaticRef {
  ptr: number;
  len: number;
}

export type ResolvedBuiltin =
  | { kind: 'native'; internal: string; arity: number; returnsValue: boolean }
  | { kind: 'host'; id: number; importName: string; arity: number };

/** What the function emitter needs from the module generator. */
export interface EmitContext {
  readonly b: Binaryen;
  readonly m: BinaryenModule;
  /** Calls a runtime export by its export name; void functions give a `none`-typed expression. */
  callRuntime(exportName: string, args: Expr[]): Expr;
  runtimeReturnsValue(exportName: string): boolean;
  /** `Policy.strings[index]` in memory. */
  stringRef(index: number): StaticRef;
  /** Any other static text in memory (messages, numbers). */
  literal(text: string): StaticRef;
  /** `Policy.files[index]` in memory. */
  fileRef(index: number): StaticRef;
  builtin(name: string, argc: number): ResolvedBuiltin;
  func(name: string): { internal: string; params: number };
}

/**
 * Mutable global caching the value of `time.now_ns()` for the current evaluation: OPA evaluates the clock
 * once per query, so every call within one evaluation sees the same instant. The generated `eval` resets it.
 */
export const EVAL_NOW_GLOBAL = 'mandate_eval_now_ns';

type Frame = { kind: 'block'; label: string } | { kind: 'with'; restore: () => Expr[] };

/** Lowers the blocks of one IR plan or func into a binaryen function body. */
export class FunctionEmitter {
  private readonly b: Binaryen;
  private readonly m: BinaryenModule;
  private readonly localIndex = new Map<Local, number>();
  private readonly vars: number[] = [];
  private readonly frames: Frame[] = [];
  private labelCounter = 0;
  private scratchIndex = -1;
  readonly exitLabel = 'exit';
  /** The wasm local receiving `returnLocal` values (funcs only; -1 for plans). */
  resultLocal = -1;

  constructor(
    private readonly ctx: EmitContext,
    /** Number of wasm params; params are given their IR locals by `bindParam`. */
    private readonly paramCount: number,
    /** The wasm local holding the plan's result set (plans only). */
    private readonly resultSet: number | undefined,
  ) {
    this.b = ctx.b;
    this.m = ctx.m;
  }

  bindParam(local: Local, index: number): void {
    this.localIndex.set(local, index);
  }

  /** A fresh i32 wasm local. */
  temp(): number {
    this.vars.push(this.b.i32);
    return this.paramCount + this.vars.length - 1;
  }

  get varTypes(): number[] {
    return this.vars;
  }

  local(l: Local): number {
    let index = this.localIndex.get(l);
    if (index === undefined) {
      index = this.temp();
      this.localIndex.set(l, index);
    }
    return index;
  }

  get(l: Local): Expr {
    return this.m.local.get(this.local(l), this.b.i32);
  }

  set(l: Local, value: Expr): Expr {
    return this.m.local.set(this.local(l), value);
  }

  private scratch(): number {
    if (this.scratchIndex < 0) this.scratchIndex = this.temp();
    return this.scratchIndex;
  }

  private label(prefix: string): string {
    return `${prefix}${this.labelCounter++}`;
  }

  /** The body: all blocks in sequence inside the function's exit block. */
  emitBody(blocks: Block[], tail: Expr[]): Expr {
    const children = blocks.map((block) => this.emitBlock(block));
    children.push(...tail);
    return this.m.block(this.exitLabel, children, this.b.none);
  }

  private emitBlock(block: Block, trailer?: () => Expr[]): Expr {
    const label = this.label('b');
    this.frames.push({ kind: 'block', label });
    const stmts: Expr[] = [];
    for (const stmt of block.stmts) stmts.push(...this.emitStmt(stmt));
    if (trailer) stmts.push(...trailer());
    this.frames.pop();
    return this.m.block(label, stmts, this.b.none);
  }

  /** Branch leaving `depth + 1` enclosing IR blocks, unwinding `with` frames on the way. */
  private breakOut(depth: number, condition?: Expr): Expr {
    const restores: Expr[] = [];
    let remaining = depth;
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const frame = this.frames[i];
      if (frame.kind === 'with') {
        restores.push(...frame.restore());
        continue;
      }
      if (remaining === 0) return this.branch(frame.label, restores, condition);
      remaining--;
    }
    throw CodegenError.single('rego_internal_error', `break ${depth} leaves more blocks than enclose it`);
  }

  /** Branch to the function's exit, unwinding every `with` frame. */
  private exitFunction(): Expr {
    const restores: Expr[] = [];
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const frame = this.frames[i];
      if (frame.kind === 'with') restores.push(...frame.restore());
    }
    return this.branch(this.exitLabel, restores);
  }

  private branch(label: string, restores: Expr[], condition?: Expr): Expr {
    if (restores.length === 0) return this.m.br(label, condition);
    const body = this.m.block(null, [...restores, this.m.br(label)], this.b.none);
    return condition === undefined ? body : this.m.if(condition, body);
  }

  /** Leaves the innermost block when `cond` is non-zero (the statement is undefined). */
  private undefinedIf(cond: Expr): Expr {
    return this.breakOut(0, cond);
  }

  private isZero(value: Expr): Expr {
    return this.m.i32.eqz(value);
  }

  private operand(op: Operand): Expr {
    switch (op.kind) {
      case 'local':
        return this.get(op.local);
      case 'bool':
        return this.ctx.callRuntime('opa_boolean', [this.m.i32.const(op.value ? 1 : 0)]);
      case 'string': {
        const ref = this.ctx.stringRef(op.index);
        return this.ctx.callRuntime('opa_string', [this.m.i32.const(ref.ptr), this.m.i32.const(ref.len)]);
      }
    }
  }

  /** Guards: an operand that is a local may hold 0 (undefined, e.g. a missing input). */
  private guards(ops: Operand[]): Expr[] {
    const out: Expr[] = [];
    const seen = new Set<Local>();
    for (const op of ops) {
      if (op.kind !== 'local' || seen.has(op.local)) continue;
      seen.add(op.local);
      out.push(this.undefinedIf(this.isZero(this.get(op.local))));
    }
    return out;
  }

  private inputGuards(ops: Operand[]): Expr[] {
    return this.guards(ops.filter((op) => op.kind === 'local' && op.local === INPUT));
  }

  /** `target = value`, undefined when value is 0. */
  private setDefined(target: Local, value: Expr): Expr[] {
    const s = this.scratch();
    return [
      this.undefinedIf(this.isZero(this.m.local.tee(s, value, this.b.i32))),
      this.set(target, this.m.local.get(s, this.b.i32)),
    ];
  }

  private runtimeStmt(name: string, args: Expr[]): Expr {
    const call = this.ctx.callRuntime(name, args);
    return this.ctx.runtimeReturnsValue(name) ? this.m.drop(call) : call;
  }

  private runtimeError(loc: Location | undefined, message: string): Expr {
    const file = loc ? this.ctx.fileRef(loc.file) : { ptr: 0, len: 0 };
    const msg = this.ctx.literal(message);
    const c = (n: number): Expr => this.m.i32.const(n);
    return this.m.block(
      null,
      [
        this.runtimeStmt('opa_runtime_error', [
          c(file.ptr),
          c(file.len),
          c(loc?.row ?? 0),
          c(loc?.col ?? 0),
          c(msg.ptr),
          c(msg.len),
        ]),
        this.m.unreachable(),
      ],
      this.b.none,
    );
  }

  private numberInt(value: number): Expr {
    if (Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff) {
      return this.ctx.callRuntime('opa_number_int', [this.m.i32.const(value)]);
    }
    const ref = this.ctx.literal(String(value));
    return this.ctx.callRuntime('opa_number_ref', [this.m.i32.const(ref.ptr), this.m.i32.const(ref.len)]);
  }

  private typeIs(op: Operand, code: number): Expr[] {
    if (op.kind !== 'local') {
      const isString = op.kind === 'string' ? 4 : 2;
      return isString === code ? [] : [this.breakOut(0)];
    }
    return [
      ...this.guards([op]),
      this.undefinedIf(
        this.m.i32.ne(this.ctx.callRuntime('opa_value_type', [this.get(op.local)]), this.m.i32.const(code)),
      ),
    ];
  }

  emitStmt(stmt: Stmt): Expr[] {
    const m = this.m;
    const c = (n: number): Expr => m.i32.const(n);
    switch (stmt.op) {
      case 'nop':
        return [];
      case 'returnLocal': {
        const target = this.resultLocal;
        if (target < 0) throw CodegenError.single('rego_internal_error', 'returnLocal outside a function');
        return [m.local.set(target, this.get(stmt.source)), this.exitFunction()];
      }
      case 'call':
        return this.emitCall(stmt);
      case 'block':
        return stmt.blocks.map((block) => this.emitBlock(block));
      case 'break':
        return [this.breakOut(stmt.index)];
      case 'dot':
        return [
          ...this.guards([stmt.source]),
          ...this.setDefined(
            stmt.target,
            this.ctx.callRuntime('opa_value_get', [this.operand(stmt.source), this.operand(stmt.key)]),
          ),
        ];
      case 'len':
        return [
          ...this.guards([stmt.source]),
          this.set(
            stmt.target,
            this.ctx.callRuntime('opa_number_int', [
              this.ctx.callRuntime('opa_value_length', [this.operand(stmt.source)]),
            ]),
          ),
        ];
      case 'scan':
        return [this.emitScan(stmt)];
      case 'not': {
        // Undefined inside the block leaves it (the negation holds); running to its end makes `not` undefined.
        const parentDepth = 0;
        return [this.emitBlock(stmt.block, () => [this.breakOut(parentDepth + 1)])];
      }
      case 'assignInt':
        return [this.set(stmt.target, this.numberInt(stmt.value))];
      case 'assignVar':
        return [this.set(stmt.target, this.operand(stmt.source))];
      case 'assignVarOnce': {
        const s = this.scratch();
        const current = this.get(stmt.target);
        return [
          m.local.set(s, this.operand(stmt.source)),
          m.if(
            this.isZero(current),
            this.set(stmt.target, m.local.get(s, this.b.i32)),
            m.if(
              this.isZero(
                this.ctx.callRuntime('opa_value_equal', [this.get(stmt.target), m.local.get(s, this.b.i32)]),
              ),
              this.runtimeError(stmt.loc, 'var assignment conflict'),
            ),
          ),
        ];
      }
      case 'resetLocal':
        return [this.set(stmt.target, c(0))];
      case 'makeNull':
        return [this.set(stmt.target, this.ctx.callRuntime('opa_null', []))];
      case 'makeNumberInt':
        return [this.set(stmt.target, this.numberInt(stmt.value))];
      case 'makeNumberRef': {
        const ref = this.ctx.stringRef(stmt.index);
        return [this.set(stmt.target, this.ctx.callRuntime('opa_number_ref', [c(ref.ptr), c(ref.len)]))];
      }
      case 'makeArray':
        return [this.set(stmt.target, this.ctx.callRuntime('opa_array_with_cap', [c(stmt.capacity)]))];
      case 'makeObject':
        return [this.set(stmt.target, this.ctx.callRuntime('opa_object', []))];
      case 'makeSet':
        return [this.set(stmt.target, this.ctx.callRuntime('opa_set', []))];
      case 'equal':
        return [
          ...this.guards([stmt.a, stmt.b]),
          this.undefinedIf(
            this.isZero(
              this.ctx.callRuntime('opa_value_equal', [this.operand(stmt.a), this.operand(stmt.b)]),
            ),
          ),
        ];
      case 'notEqual':
        return [
          ...this.guards([stmt.a, stmt.b]),
          this.undefinedIf(
            this.ctx.callRuntime('opa_value_equal', [this.operand(stmt.a), this.operand(stmt.b)]),
          ),
        ];
      case 'isArray':
        return this.typeIs(stmt.source, 5);
      case 'isObject':
        return this.typeIs(stmt.source, 6);
      case 'isSet':
        return this.typeIs(stmt.source, 7);
      case 'isDefined':
        return [this.undefinedIf(this.isZero(this.get(stmt.source)))];
      case 'isUndefined':
        return [this.undefinedIf(m.i32.ne(this.get(stmt.source), c(0)))];
      case 'arrayAppend':
        return [
          ...this.inputGuards([stmt.value]),
          this.runtimeStmt('opa_array_append', [this.get(stmt.array), this.operand(stmt.value)]),
        ];
      case 'objectInsert':
        return [
          ...this.inputGuards([stmt.key, stmt.value]),
          this.runtimeStmt('opa_object_insert', [
            this.get(stmt.object),
            this.operand(stmt.key),
            this.operand(stmt.value),
          ]),
        ];
      case 'objectInsertOnce': {
        const s = this.scratch();
        return [
          ...this.inputGuards([stmt.key, stmt.value]),
          m.local.set(
            s,
            this.ctx.callRuntime('opa_value_get', [this.get(stmt.object), this.operand(stmt.key)]),
          ),
          m.if(
            m.i32.and(
              m.i32.ne(m.local.get(s, this.b.i32), c(0)),
              this.isZero(
                this.ctx.callRuntime('opa_value_equal', [
                  m.local.get(s, this.b.i32),
                  this.operand(stmt.value),
                ]),
              ),
            ),
            this.runtimeError(stmt.loc, 'object insert conflict'),
          ),
          this.runtimeStmt('opa_object_insert', [
            this.get(stmt.object),
            this.operand(stmt.key),
            this.operand(stmt.value),
          ]),
        ];
      }
      case 'objectMerge':
        return this.setDefined(
          stmt.target,
          this.ctx.callRuntime('opa_value_merge', [this.get(stmt.a), this.get(stmt.b)]),
        );
      case 'setAdd':
        return [
          ...this.inputGuards([stmt.value]),
          this.runtimeStmt('opa_set_add', [this.get(stmt.set), this.operand(stmt.value)]),
        ];
      case 'with':
        return this.emitWith(stmt);
      case 'resultSetAdd': {
        if (this.resultSet === undefined) {
          throw CodegenError.single('rego_internal_error', 'resultSetAdd outside a plan');
        }
        return [
          this.runtimeStmt('opa_set_add', [m.local.get(this.resultSet, this.b.i32), this.get(stmt.value)]),
        ];
      }
    }
  }

  private emitCall(stmt: Extract<Stmt, { op: 'call' }>): Expr[] {
    const m = this.m;
    // Funcs take input as it is (possibly undefined); builtins never receive an undefined argument.
    const guards = stmt.target.kind === 'builtin' ? this.inputGuards(stmt.args) : [];
    const args = stmt.args.map((a) => this.operand(a));
    let call: Expr;
    if (stmt.target.kind === 'func') {
      const fn = this.ctx.func(stmt.target.name);
      if (fn.params !== args.length) {
        throw CodegenError.single(
          'rego_internal_error',
          `call of ${stmt.target.name} with ${args.length} arguments, expects ${fn.params}`,
        );
      }
      call = m.call(fn.internal, args, this.b.i32);
    } else {
      const bi = this.ctx.builtin(stmt.target.name, args.length);
      if (bi.kind === 'native') {
        call = m.call(bi.internal, args, this.b.i32);
      } else {
        call = m.call(bi.importName, [m.i32.const(bi.id), m.i32.const(0), ...args], this.b.i32);
      }
      if (stmt.target.name === 'time.now_ns') call = this.oncePerEvaluation(call);
    }
    return [...guards, ...this.setDefined(stmt.result, call)];
  }

  /** `now` if this evaluation already read the clock, else `call`, remembered for the rest of it. */
  private oncePerEvaluation(call: Expr): Expr {
    const m = this.m;
    const i32 = this.b.i32;
    return m.block(
      null,
      [
        m.if(
          m.i32.eqz(m.global.get(EVAL_NOW_GLOBAL, i32)),
          m.global.set(EVAL_NOW_GLOBAL, call),
        ),
        m.global.get(EVAL_NOW_GLOBAL, i32),
      ],
      i32,
    );
  }

  private emitScan(stmt: Extract<Stmt, { op: 'scan' }>): Expr {
    const m = this.m;
    const i32 = this.b.i32;
    const out = this.label('so');
    const loop = this.label('sl');
    const key = this.temp();
    const src = this.temp();
    const body = this.emitBlock(stmt.block);
    return m.block(
      out,
      [
        m.local.set(src, this.get(stmt.source)),
        m.br(out, this.isZero(m.local.get(src, i32))),
        m.local.set(key, m.i32.const(0)),
        m.loop(
          loop,
          m.block(
            null,
            [
              m.local.set(
                key,
                this.ctx.callRuntime('opa_value_iter', [m.local.get(src, i32), m.local.get(key, i32)]),
              ),
              m.br(out, this.isZero(m.local.get(key, i32))),
              this.set(stmt.key, m.local.get(key, i32)),
              this.set(
                stmt.value,
                this.ctx.callRuntime('opa_value_get', [m.local.get(src, i32), m.local.get(key, i32)]),
              ),
              body,
              m.br(loop),
            ],
            this.b.none,
          ),
        ),
      ],
      this.b.none,
    );
  }

  private emitWith(stmt: Extract<Stmt, { op: 'with' }>): Expr[] {
    const m = this.m;
    const i32 = this.b.i32;
    const saved = this.temp();
    const target = this.local(stmt.local);
    let replacement: Expr;
    if (stmt.path.length === 0) {
      replacement = this.operand(stmt.value);
    } else {
      const path = this.temp();
      const build: Expr[] = [
        m.local.set(path, this.ctx.callRuntime('opa_array_with_cap', [m.i32.const(stmt.path.length)])),
      ];
      for (const index of stmt.path) {
        const ref = this.ctx.stringRef(index);
        build.push(
          this.runtimeStmt('opa_array_append', [
            m.local.get(path, i32),
            this.ctx.callRuntime('opa_string', [m.i32.const(ref.ptr), m.i32.const(ref.len)]),
          ]),
        );
      }
      replacement = m.block(
        null,
        [
          ...build,
          this.ctx.callRuntime('opa_value_upsert_path', [
            m.local.get(saved, i32),
            m.local.get(path, i32),
            this.operand(stmt.value),
          ]),
        ],
        i32,
      );
    }
    const restore = (): Expr[] => [
      this.runtimeStmt('opa_memoize_pop', []),
      m.local.set(target, m.local.get(saved, i32)),
    ];
    const guards = this.inputGuards([stmt.value]);
    const setup = [
      m.local.set(saved, m.local.get(target, i32)),
      m.local.set(target, replacement),
      this.runtimeStmt('opa_memoize_push', []),
    ];
    this.frames.push({ kind: 'with', restore });
    const body = this.emitBlock(stmt.block);
    this.frames.pop();
    return [...guards, ...setup, body, ...restore()];
  }
}
