import type { Block, Func, Operand, Policy, Stmt } from '../../ir/ir';

/**
 * A reference interpreter of Mandate's IR, for the planner's tests only: it runs a Policy's plans on JSON
 * input/data with the execution model documented in ir.ts, so tests can check what planned code computes
 * without the Wasm code generator. A handful of builtins are implemented (enough for the tests).
 */

export type Value = null | boolean | number | string | Value[] | RegoObject | RegoSet;

class RegoObject {
  readonly entries = new Map<string, [Value, Value]>();
  get(key: Value): Value | undefined {
    return this.entries.get(canonical(key))?.[1];
  }
  set(key: Value, value: Value): void {
    this.entries.set(canonical(key), [key, value]);
  }
}

class RegoSet {
  readonly items = new Map<string, Value>();
  add(value: Value): void {
    this.items.set(canonical(value), value);
  }
  has(value: Value): boolean {
    return this.items.has(canonical(value));
  }
}

type Builtin = (...args: Value[]) => Value | undefined;

const TYPE_ORDER = ['null', 'boolean', 'number', 'string', 'array', 'object', 'set'];

function typeOf(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return v instanceof RegoObject ? 'object' : 'set';
}

export function canonical(v: Value): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof RegoObject) {
    const keys = [...v.entries.keys()].sort();
    return `{${keys.map((k) => `${k}:${canonical(v.entries.get(k)?.[1] ?? null)}`).join(',')}}`;
  }
  return `set(${[...v.items.keys()].sort().join(',')})`;
}

export function compare(a: Value, b: Value): number {
  const ta = TYPE_ORDER.indexOf(typeOf(a));
  const tb = TYPE_ORDER.indexOf(typeOf(b));
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const ca = canonical(a);
  const cb = canonical(b);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

export function fromJson(v: unknown): Value {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(fromJson);
  const o = new RegoObject();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) o.set(k, fromJson(x));
  return o;
}

/** JSON form; sets become sorted arrays. */
export function toJson(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof RegoObject) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v.entries.values()) out[typeof k === 'string' ? k : canonical(k)] = toJson(x);
    return out;
  }
  return [...v.items.values()].sort(compare).map(toJson);
}

function entries(v: Value): [Value, Value][] {
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v instanceof RegoObject) return [...v.entries.values()].sort((a, b) => compare(a[0], b[0]));
  if (v instanceof RegoSet) return [...v.items.values()].sort(compare).map((x) => [x, x]);
  return [];
}

function get(coll: Value, key: Value): Value | undefined {
  if (Array.isArray(coll)) return typeof key === 'number' && Number.isInteger(key) ? coll[key] : undefined;
  if (coll instanceof RegoObject) return coll.get(key);
  if (coll instanceof RegoSet) return coll.has(key) ? key : undefined;
  return undefined;
}

function merge(a: Value, b: Value): Value | undefined {
  if (!(a instanceof RegoObject) || !(b instanceof RegoObject)) return undefined;
  const out = new RegoObject();
  for (const [k, v] of a.entries.values()) out.set(k, v);
  for (const [k, v] of b.entries.values()) {
    const existing = out.get(k);
    if (existing === undefined) out.set(k, v);
    else if (existing instanceof RegoObject && v instanceof RegoObject) {
      const m = merge(existing, v);
      if (m === undefined) return undefined;
      out.set(k, m);
    } else return undefined; // conflicting leaves: undefined, as ir.ts specifies for objectMerge
  }
  return out;
}

function upsert(base: Value | undefined, path: string[], value: Value): Value {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const out = new RegoObject();
  if (base instanceof RegoObject) for (const [k, v] of base.entries.values()) out.set(k, v);
  out.set(head, upsert(out.get(head), rest, value));
  return out;
}

function walk(v: Value): Value[] {
  const out: Value[] = [];
  const rec = (path: Value[], x: Value): void => {
    out.push([path, x]);
    for (const [k, c] of entries(x)) rec([...path, k], c);
  };
  rec([], v);
  return out;
}

const num =
  (f: (a: number, b: number) => number): Builtin =>
  (a, b) =>
    typeof a === 'number' && typeof b === 'number' ? f(a, b) : undefined;

export const TEST_BUILTINS: Record<string, Builtin> = {
  plus: num((a, b) => a + b),
  minus: (a, b) => {
    if (a instanceof RegoSet && b instanceof RegoSet) {
      const out = new RegoSet();
      for (const x of a.items.values()) if (!b.has(x)) out.add(x);
      return out;
    }
    return num((x, y) => x - y)(a, b);
  },
  mul: num((a, b) => a * b),
  div: num((a, b) => (b === 0 ? Number.NaN : a / b)),
  rem: num((a, b) => a % b),
  equal: (a, b) => compare(a, b) === 0,
  neq: (a, b) => compare(a, b) !== 0,
  lt: (a, b) => compare(a, b) < 0,
  lte: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  gte: (a, b) => compare(a, b) >= 0,
  count: (a) =>
    Array.isArray(a)
      ? a.length
      : a instanceof RegoObject
        ? a.entries.size
        : a instanceof RegoSet
          ? a.items.size
          : typeof a === 'string'
            ? [...a].length
            : undefined,
  upper: (a) => (typeof a === 'string' ? a.toUpperCase() : undefined),
  startswith: (a, b) => (typeof a === 'string' && typeof b === 'string' ? a.startsWith(b) : undefined),
  walk: (a) => walk(a),
  'internal.member_2': (x, c) => entries(c).some(([, v]) => compare(v, x) === 0),
  'internal.member_3': (k, x, c) => entries(c).some(([kk, v]) => compare(kk, k) === 0 && compare(v, x) === 0),
  'object.get': (o, k, d) => get(o, k) ?? d,
};

/** Thrown by `returnLocal` to leave the func being interpreted. */
class Return extends Error {
  constructor(readonly value: Value | undefined) {
    super('return');
  }
}

type Outcome = 'end' | 'stopped' | { brk: number };

export class IrInterpreter {
  private readonly funcs = new Map<string, Func>();
  private results = new Map<string, Value>();

  constructor(
    private readonly policy: Policy,
    private readonly builtins: Record<string, Builtin> = TEST_BUILTINS,
  ) {
    for (const f of policy.funcs) this.funcs.set(f.name, f);
  }

  /** Runs the plan `name` and returns its result set as JSON binding objects. */
  run(name: string, input?: unknown, data: unknown = {}): unknown[] {
    const plan = this.policy.plans.find((p) => p.name === name);
    if (plan === undefined) throw new Error(`no plan ${name}`);
    this.results = new Map();
    const locals: (Value | undefined)[] = [input === undefined ? undefined : fromJson(input), fromJson(data)];
    for (const block of plan.blocks) this.block(block, locals);
    return [...this.results.values()].map(toJson);
  }

  private block(block: Block, locals: (Value | undefined)[]): Outcome {
    for (const stmt of block.stmts) {
      const r = this.stmt(stmt, locals);
      if (r === 'undef') return 'stopped';
      if (typeof r === 'object') return r.brk === 0 ? 'stopped' : { brk: r.brk - 1 };
    }
    return 'end';
  }

  private operand(op: Operand, locals: (Value | undefined)[]): Value | undefined {
    if (op.kind === 'local') return locals[op.local];
    if (op.kind === 'bool') return op.value;
    const s = this.policy.strings[op.index];
    if (s === undefined) throw new Error(`bad string index ${op.index}`);
    return s;
  }

  private call(name: string, args: (Value | undefined)[]): Value | undefined {
    const fn = this.funcs.get(name);
    if (fn === undefined) throw new Error(`no func ${name}`);
    const locals: (Value | undefined)[] = [];
    fn.params.forEach((p, i) => (locals[p] = args[i]));
    try {
      for (const block of fn.blocks) {
        const r = this.block(block, locals);
        if (typeof r === 'object') throw new Error(`break out of func ${name}`);
      }
    } catch (e) {
      if (e instanceof Return) return e.value;
      throw e;
    }
    return locals[fn.ret];
  }

  private error(loc: { file: number; row: number; col: number } | undefined, msg: string): Error {
    if (loc === undefined) return new Error(msg);
    return new Error(`${this.policy.files[loc.file] ?? '?'}:${loc.row}:${loc.col}: ${msg}`);
  }

  private stmt(s: Stmt, L: (Value | undefined)[]): 'ok' | 'undef' | { brk: number } {
    const v = (op: Operand): Value | undefined => this.operand(op, L);
    const def = (x: Value | undefined): 'ok' | 'undef' => (x === undefined ? 'undef' : 'ok');
    switch (s.op) {
      case 'returnLocal':
        throw new Return(L[s.source]);
      case 'call': {
        const args = s.args.map(v);
        let result: Value | undefined;
        if (s.target.kind === 'func') result = this.call(s.target.name, args);
        else {
          if (args.some((a) => a === undefined)) return 'undef';
          const impl = this.builtins[s.target.name];
          if (impl === undefined) throw new Error(`test builtin ${s.target.name} missing`);
          result = impl(...(args as Value[]));
        }
        L[s.result] = result;
        return def(result);
      }
      case 'block':
        for (const b of s.blocks) {
          const r = this.block(b, L);
          if (typeof r === 'object') return r;
        }
        return 'ok';
      case 'break':
        return { brk: s.index };
      case 'dot': {
        const src = v(s.source);
        const key = v(s.key);
        if (src === undefined || key === undefined) return 'undef';
        const r = get(src, key);
        if (r === undefined) return 'undef';
        L[s.target] = r;
        return 'ok';
      }
      case 'len': {
        const src = v(s.source);
        if (src === undefined) return 'undef';
        L[s.target] = typeof src === 'string' ? [...src].length : entries(src).length;
        return 'ok';
      }
      case 'scan': {
        const src = L[s.source];
        if (src === undefined) return 'undef';
        for (const [k, x] of entries(src)) {
          L[s.key] = k;
          L[s.value] = x;
          const r = this.block(s.block, L);
          if (typeof r === 'object') return r;
        }
        return 'ok';
      }
      case 'not': {
        const r = this.block(s.block, L);
        if (typeof r === 'object') return r;
        return r === 'end' ? 'undef' : 'ok';
      }
      case 'assignInt':
        L[s.target] = s.value;
        return 'ok';
      case 'assignVar':
        L[s.target] = v(s.source);
        return 'ok';
      case 'assignVarOnce': {
        const x = v(s.source);
        if (x === undefined) return 'undef';
        const cur = L[s.target];
        if (cur === undefined) L[s.target] = x;
        else if (compare(cur, x) !== 0) throw this.error(s.loc, 'var assignment conflict');
        return 'ok';
      }
      case 'resetLocal':
        L[s.target] = undefined;
        return 'ok';
      case 'makeNull':
        L[s.target] = null;
        return 'ok';
      case 'makeNumberInt':
        L[s.target] = s.value;
        return 'ok';
      case 'makeNumberRef':
        L[s.target] = Number(this.policy.strings[s.index]);
        return 'ok';
      case 'makeArray':
        L[s.target] = [];
        return 'ok';
      case 'makeObject':
        L[s.target] = new RegoObject();
        return 'ok';
      case 'makeSet':
        L[s.target] = new RegoSet();
        return 'ok';
      case 'equal': {
        const a = v(s.a);
        const b = v(s.b);
        return a !== undefined && b !== undefined && compare(a, b) === 0 ? 'ok' : 'undef';
      }
      case 'notEqual': {
        const a = v(s.a);
        const b = v(s.b);
        return a !== undefined && b !== undefined && compare(a, b) !== 0 ? 'ok' : 'undef';
      }
      case 'isArray':
        return Array.isArray(v(s.source)) ? 'ok' : 'undef';
      case 'isObject':
        return v(s.source) instanceof RegoObject ? 'ok' : 'undef';
      case 'isSet':
        return v(s.source) instanceof RegoSet ? 'ok' : 'undef';
      case 'isDefined':
        return L[s.source] === undefined ? 'undef' : 'ok';
      case 'isUndefined':
        return L[s.source] === undefined ? 'ok' : 'undef';
      case 'arrayAppend': {
        const arr = L[s.array];
        const x = v(s.value);
        if (!Array.isArray(arr) || x === undefined) return 'undef';
        arr.push(x);
        return 'ok';
      }
      case 'objectInsert':
      case 'objectInsertOnce': {
        const obj = L[s.object];
        const k = v(s.key);
        const x = v(s.value);
        if (!(obj instanceof RegoObject) || k === undefined || x === undefined) return 'undef';
        const cur = obj.get(k);
        if (s.op === 'objectInsertOnce' && cur !== undefined && compare(cur, x) !== 0) {
          throw this.error(s.loc, 'object insert conflict');
        }
        obj.set(k, x);
        return 'ok';
      }
      case 'objectMerge': {
        const a = L[s.a];
        const b = L[s.b];
        if (a === undefined || b === undefined) return 'undef';
        const m = merge(a, b);
        if (m === undefined) return 'undef';
        L[s.target] = m;
        return 'ok';
      }
      case 'setAdd': {
        const set = L[s.set];
        const x = v(s.value);
        if (!(set instanceof RegoSet) || x === undefined) return 'undef';
        set.add(x);
        return 'ok';
      }
      case 'with': {
        const saved = L[s.local];
        const value = v(s.value);
        const path = s.path.map((i) => this.policy.strings[i] ?? '');
        if (value === undefined && path.length > 0) return 'undef';
        L[s.local] = value === undefined ? undefined : upsert(saved, path, value);
        const r = this.block(s.block, L);
        L[s.local] = saved;
        if (typeof r === 'object') return r;
        return 'ok';
      }
      case 'resultSetAdd': {
        const x = L[s.value];
        if (x === undefined) return 'undef';
        this.results.set(canonical(x), x);
        return 'ok';
      }
      case 'nop':
        return 'ok';
    }
  }
}
