import { lookupBuiltin, nativeExportName } from '../builtins/catalog';
import { DATA, INPUT, type Func, type Policy } from '../ir/ir';
import { loadBinaryen, readDataSegments, type Binaryen, type BinaryenModule } from './binaryen.loader';
import { CodegenError } from './codegen.error';
import { EVAL_NOW_GLOBAL, FunctionEmitter, type EmitContext, type ResolvedBuiltin, type StaticRef } from './function.emitter';
import { StaticDataBuilder } from './static-data.builder';

export interface GenerateOptions {
  /** The runtime module (see runtime/CONTRACT.md). */
  runtime: Uint8Array;
  /** Names of builtins the host implements (src/host/). */
  hostImplemented: ReadonlySet<string>;
  /** The name a host builtin gets in the module's `builtins()` export; default: its Rego name. */
  hostImportName?: (name: string) => string;
  /** binaryen optimisation level for the generated functions (0 = none, the default: the runtime is already
   * optimised, and -O1 on the generated code tripled compile time without a measurable evaluation gain). */
  optimizeLevel?: number;
  /** `opa_wasm_abi_minor_version` to declare (default 3; below 2 the npm host uses the eval-ctx path). */
  abiMinorVersion?: number;
  /** Keep every runtime export (for debugging); by default only the OPA ABI is exported. */
  keepRuntimeExports?: boolean;
}

export interface GeneratedModule {
  wasm: Uint8Array<ArrayBuffer>;
  /** Entrypoint name → id. */
  entrypoints: Record<string, number>;
  /** Host builtin import name → id, as in the module's `builtins()` export. */
  hostBuiltins: Record<string, number>;
  /** Rego name → import name of every host builtin the module calls. */
  hostNames: Record<string, string>;
}

/** Exports of the OPA Wasm ABI (reference §1.2) kept on the final module. */
const ABI_EXPORTS = new Set([
  'memory',
  'eval',
  'builtins',
  'entrypoints',
  'opa_eval_ctx_new',
  'opa_eval_ctx_set_input',
  'opa_eval_ctx_set_data',
  'opa_eval_ctx_set_entrypoint',
  'opa_eval_ctx_get_result',
  'opa_malloc',
  'opa_free',
  'opa_json_parse',
  'opa_value_parse',
  'opa_json_dump',
  'opa_value_dump',
  'opa_heap_ptr_get',
  'opa_heap_ptr_set',
  'opa_value_add_path',
  'opa_value_remove_path',
  'opa_value_free',
  'opa_heap_blocks_stash',
  'opa_heap_blocks_restore',
  'opa_heap_stash_clear',
  'opa_eval',
  'opa_wasm_abi_version',
  'opa_wasm_abi_minor_version',
]);

const PAGE = 65536;
const MAX_HOST_ARGS = 4;
const DATA_SEGMENT = 'mandate_policy_data';

const align = (n: number, to: number): number => Math.ceil(n / to) * to;

interface RuntimeFunction {
  internal: string;
  returnsValue: boolean;
}

/** Turns an IR policy into a Wasm module: the runtime module plus the policy's code and data ("link by append"). */
export async function generateWasm(policy: Policy, options: GenerateOptions): Promise<GeneratedModule> {
  const b = await loadBinaryen();
  const m = b.readBinary(options.runtime);
  try {
    return new ModuleGenerator(b, m, policy, options).generate();
  } finally {
    m.dispose();
  }
}

class ModuleGenerator implements EmitContext {
  private readonly runtimeFns = new Map<string, RuntimeFunction>();
  private readonly placeholders = new Map<string, string>();
  private readonly data = new StaticDataBuilder();
  private readonly builtins = new Map<string, ResolvedBuiltin>();
  private readonly hostIds = new Map<string, number>();
  private readonly hostNames: Record<string, string> = {};
  private readonly funcs = new Map<string, { internal: string; params: number; def: Func }>();
  private readonly hostImports = new Set<number>();
  private dataBase = 0;
  private memoryName = '';

  constructor(
    readonly b: Binaryen,
    readonly m: BinaryenModule,
    private readonly policy: Policy,
    private readonly options: GenerateOptions,
  ) {}

  generate(): GeneratedModule {
    const { b, m } = this;
    m.setFeatures(
      b.Features.MutableGlobals |
        b.Features.SignExt |
        b.Features.BulkMemory |
        b.Features.BulkMemoryOpt |
        b.Features.NontrappingFPToInt,
    );
    this.indexRuntime();
    this.dataBase = align(this.runtimeDataEnd(), 16);
    this.resolveBuiltins();

    const entrypoints: Record<string, number> = {};
    this.policy.plans.forEach((plan, id) => {
      entrypoints[plan.name] = id;
    });

    this.policy.funcs.forEach((fn, i) => {
      if (fn.params.length < 2 || fn.params[0] !== INPUT || fn.params[1] !== DATA) {
        throw CodegenError.single(
          'rego_internal_error',
          `func ${fn.name}: the first params must be input, data`,
        );
      }
      if (this.funcs.has(fn.name))
        throw CodegenError.single('rego_internal_error', `duplicate func ${fn.name}`);
      this.funcs.set(fn.name, { internal: `mandate_func_${i}`, params: fn.params.length, def: fn });
    });

    let memoId = 0;
    const generated: string[] = [];
    for (const [, fn] of this.funcs) {
      const memo = fn.params === 2 ? memoId++ : undefined;
      this.emitFunc(fn.internal, fn.def, memo);
      generated.push(fn.internal);
    }
    this.policy.plans.forEach((plan, id) => {
      const emitter = new FunctionEmitter(this, 3, 2);
      emitter.bindParam(INPUT, 0);
      emitter.bindParam(DATA, 1);
      const body = emitter.emitBody(plan.blocks, []);
      m.addFunction(
        `mandate_plan_${id}`,
        b.createType([b.i32, b.i32, b.i32]),
        b.none,
        emitter.varTypes,
        body,
      );
      generated.push(`mandate_plan_${id}`);
    });

    const hostBuiltins: Record<string, number> = Object.fromEntries(this.hostIds);
    this.replacePlaceholder('eval', this.evalBody());
    this.replacePlaceholder('builtins', this.parseJson(JSON.stringify(hostBuiltins)));
    this.replacePlaceholder('entrypoints', this.parseJson(JSON.stringify(entrypoints)));
    generated.push('eval', 'builtins', 'entrypoints');

    this.installData();
    this.addAbiGlobals();
    this.fixExports();

    if (!m.validate()) {
      throw CodegenError.single('rego_internal_error', 'generated module failed validation');
    }
    const level = this.options.optimizeLevel ?? 0;
    if (level > 0) {
      b.setOptimizeLevel(level);
      b.setShrinkLevel(0);
      for (const name of generated) {
        const internal = this.placeholders.get(name) ?? name;
        m.optimizeFunction(internal);
      }
    }
    if (!this.options.keepRuntimeExports) m.runPasses(['remove-unused-module-elements']);
    return { wasm: new Uint8Array(m.emitBinary()), entrypoints, hostBuiltins, hostNames: this.hostNames };
  }

  // ---- runtime ---------------------------------------------------------------------------------------

  private indexRuntime(): void {
    const { b, m } = this;
    for (let i = 0; i < m.getNumExports(); i++) {
      const info = b.getExportInfo(m.getExportByIndex(i));
      if (info.kind === b.ExternalFunction) {
        const fn = b.getFunctionInfo(m.getFunction(info.value));
        this.runtimeFns.set(info.name, { internal: info.value, returnsValue: fn.results !== b.none });
      } else if (info.kind === b.ExternalMemory) {
        this.memoryName = info.value;
      }
    }
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const fn = b.getFunctionInfo(m.getFunctionByIndex(i));
      if (fn.module === 'policy' && fn.base) this.placeholders.set(fn.base, fn.name);
      if (fn.module === 'env' && fn.base === 'opa_abort')
        this.runtimeFns.set('env.opa_abort', { internal: fn.name, returnsValue: false });
    }
    for (const name of ['eval', 'builtins', 'entrypoints']) {
      if (!this.placeholders.has(name)) {
        throw CodegenError.single(
          'rego_internal_error',
          `runtime module lacks the placeholder import policy.${name}`,
        );
      }
    }
    if (!this.runtimeFns.has('env.opa_abort')) {
      m.addFunctionImport('mandate_opa_abort', 'env', 'opa_abort', b.i32, b.none);
      this.runtimeFns.set('env.opa_abort', { internal: 'mandate_opa_abort', returnsValue: false });
    }
    if (!this.memoryName) {
      for (const candidate of ['mimport$0', '0', 'memory']) {
        try {
          m.getMemoryInfo(candidate);
          this.memoryName = candidate;
          break;
        } catch {
          // not this name
        }
      }
    }
    if (!this.memoryName) throw CodegenError.single('rego_internal_error', 'runtime module has no memory');
  }

  private runtimeDataEnd(): number {
    let end = 0;
    for (const seg of readDataSegments(this.m)) {
      if (!seg.passive && seg.offset !== null) end = Math.max(end, seg.offset + seg.data.byteLength);
    }
    return Math.max(end, 8);
  }

  private rt(exportName: string): RuntimeFunction {
    const fn = this.runtimeFns.get(exportName);
    if (!fn)
      throw CodegenError.single('rego_internal_error', `runtime module lacks the export ${exportName}`);
    return fn;
  }

  callRuntime(exportName: string, args: number[]): number {
    const fn = this.rt(exportName);
    return this.m.call(fn.internal, args, fn.returnsValue ? this.b.i32 : this.b.none);
  }

  runtimeReturnsValue(exportName: string): boolean {
    return this.rt(exportName).returnsValue;
  }

  // ---- data -------------------------------------------------------------------------------------------

  private abs(offset: { offset: number; length: number }): StaticRef {
    return { ptr: this.dataBase + offset.offset, len: offset.length };
  }

  stringRef(index: number): StaticRef {
    const text = this.policy.strings[index];
    if (text === undefined)
      throw CodegenError.single('rego_internal_error', `string index ${index} out of range`);
    return this.abs(this.data.addString(text));
  }

  literal(text: string): StaticRef {
    return this.abs(this.data.addString(text));
  }

  fileRef(index: number): StaticRef {
    return this.literal(this.policy.files[index] ?? '');
  }

  private parseJson(json: string): number {
    const ref = this.literal(json);
    return this.callRuntime('opa_json_parse', [this.m.i32.const(ref.ptr), this.m.i32.const(ref.len)]);
  }

  /** Re-declares the memory (binaryen's only way to add a segment) and appends the policy's data. */
  private installData(): void {
    const { b, m } = this;
    const bytes = this.data.bytes();
    const heapBase = align(this.dataBase + bytes.length, 16);
    const segments: { name: string; offset: number; data: Uint8Array; passive: boolean }[] = [];
    for (const seg of readDataSegments(m)) {
      segments.push({
        name: seg.name,
        offset: seg.passive ? 0 : m.i32.const(seg.offset ?? 0),
        data: seg.data,
        passive: seg.passive,
      });
    }
    segments.push({ name: DATA_SEGMENT, offset: 0, data: bytes, passive: true });
    const info = m.getMemoryInfo(this.memoryName);
    for (let i = m.getNumExports() - 1; i >= 0; i--) {
      const ex = b.getExportInfo(m.getExportByIndex(i));
      if (ex.kind === b.ExternalMemory) m.removeExport(ex.name);
    }
    m.setMemory(info.initial, -1, null, segments, false, false, this.memoryName);
    m.addMemoryImport(this.memoryName, 'env', 'memory');
    m.addMemoryExport(this.memoryName, 'memory');

    // Start: grow memory when the data does not fit, copy the passive segment in, then initialise the heap.
    const pages = Math.ceil(heapBase / PAGE);
    const c = (n: number): number => m.i32.const(n);
    const start: number[] = [];
    const previous = m.getStart();
    if (previous) start.push(m.call(b.getFunctionInfo(previous).name, [], b.none));
    start.push(
      m.if(
        m.i32.lt_u(m.memory.size(this.memoryName), c(pages)),
        m.drop(m.memory.grow(m.i32.sub(c(pages), m.memory.size(this.memoryName)), this.memoryName)),
      ),
    );
    if (bytes.length > 0) {
      start.push(m.memory.init(DATA_SEGMENT, c(this.dataBase), c(0), c(bytes.length), this.memoryName));
    }
    start.push(m.data.drop(DATA_SEGMENT));
    const init = this.rt('opa_runtime_init');
    start.push(m.call(init.internal, [c(heapBase)], init.returnsValue ? b.i32 : b.none));
    const body = m.block(
      null,
      start.map((e) => (b.getExpressionType(e) === b.none ? e : m.drop(e))),
      b.none,
    );
    const startFn = m.addFunction('mandate_start', b.none, b.none, [], body);
    m.setStart(startFn);
  }

  private addAbiGlobals(): void {
    const { b, m } = this;
    m.addGlobal(EVAL_NOW_GLOBAL, b.i32, true, m.i32.const(0));
    m.addGlobal('opa_wasm_abi_version', b.i32, false, m.i32.const(1));
    m.addGlobal('opa_wasm_abi_minor_version', b.i32, false, m.i32.const(this.options.abiMinorVersion ?? 3));
    for (const name of ['opa_wasm_abi_version', 'opa_wasm_abi_minor_version']) {
      if (m.getExport(name)) m.removeExport(name);
      m.addGlobalExport(name, name);
    }
  }

  private fixExports(): void {
    const { b, m } = this;
    for (const name of ['eval', 'builtins', 'entrypoints']) {
      if (m.getExport(name)) m.removeExport(name);
      m.addFunctionExport(this.placeholders.get(name) ?? name, name);
    }
    if (this.options.keepRuntimeExports) return;
    const drop: string[] = [];
    for (let i = 0; i < m.getNumExports(); i++) {
      const ex = b.getExportInfo(m.getExportByIndex(i));
      if (!ABI_EXPORTS.has(ex.name)) drop.push(ex.name);
    }
    for (const name of drop) m.removeExport(name);
  }

  // ---- builtins & funcs ---------------------------------------------------------------------------------

  private resolveBuiltins(): void {
    for (const ref of this.policy.builtins) this.builtin(ref.name, ref.arity);
  }

  builtin(name: string, argc: number): ResolvedBuiltin {
    const found = this.builtins.get(name);
    if (found) {
      if (found.arity !== argc) {
        throw CodegenError.single(
          'rego_type_error',
          `${name}: called with ${argc} arguments, expects ${found.arity}`,
        );
      }
      return found;
    }
    const spec = lookupBuiltin(name);
    if (spec && spec.arity >= 0 && spec.arity !== argc) {
      throw CodegenError.single(
        'rego_type_error',
        `${name}: called with ${argc} arguments, expects ${spec.arity}`,
      );
    }
    let resolved: ResolvedBuiltin;
    const native = this.runtimeFns.get(nativeExportName(name));
    if (native) {
      resolved = {
        kind: 'native',
        internal: native.internal,
        arity: argc,
        returnsValue: native.returnsValue,
      };
    } else if (this.options.hostImplemented.has(name)) {
      if (argc > MAX_HOST_ARGS) {
        throw CodegenError.single(
          'rego_unsupported_builtin',
          `${name}: host builtins take at most ${MAX_HOST_ARGS} arguments`,
        );
      }
      const id = this.hostIds.size;
      this.hostIds.set(this.options.hostImportName?.(name) ?? name, id);
      this.hostNames[name] = this.options.hostImportName?.(name) ?? name;
      resolved = { kind: 'host', id, importName: this.hostImport(argc), arity: argc };
    } else {
      throw CodegenError.single(
        'rego_unsupported_builtin',
        spec ? `builtin ${name} is not supported by Mandate's Wasm compiler` : `unknown builtin ${name}`,
      );
    }
    this.builtins.set(name, resolved);
    return resolved;
  }

  private hostImport(argc: number): string {
    const name = `mandate_opa_builtin${argc}`;
    if (!this.hostImports.has(argc)) {
      const { b } = this;
      const params = new Array<number>(argc + 2).fill(b.i32);
      this.m.addFunctionImport(name, 'env', `opa_builtin${argc}`, b.createType(params), b.i32);
      this.hostImports.add(argc);
    }
    return name;
  }

  func(name: string): { internal: string; params: number } {
    const fn = this.funcs.get(name);
    if (!fn) throw CodegenError.single('rego_internal_error', `call of unknown func ${name}`);
    return fn;
  }

  private emitFunc(internal: string, fn: Func, memoId: number | undefined): void {
    const { b, m } = this;
    const i32 = b.i32;
    const emitter = new FunctionEmitter(this, fn.params.length, undefined);
    fn.params.forEach((local, i) => emitter.bindParam(local, i));
    const result = emitter.temp();
    emitter.resultLocal = result;
    const body = emitter.emitBody(fn.blocks, [m.local.set(result, emitter.get(fn.ret))]);
    const parts: number[] = [];
    if (memoId !== undefined) {
      parts.push(
        m.local.set(result, this.callRuntime('opa_memoize_get', [m.i32.const(memoId)])),
        m.if(m.i32.ne(m.local.get(result, i32), m.i32.const(0)), m.return(m.local.get(result, i32))),
      );
    }
    parts.push(body);
    if (memoId !== undefined) {
      const insert = this.callRuntime('opa_memoize_insert', [m.i32.const(memoId), m.local.get(result, i32)]);
      parts.push(
        m.if(
          m.i32.ne(m.local.get(result, i32), m.i32.const(0)),
          this.runtimeReturnsValue('opa_memoize_insert') ? m.drop(insert) : insert,
        ),
      );
    }
    parts.push(m.local.get(result, i32));
    const params = b.createType(new Array<number>(fn.params.length).fill(i32));
    m.addFunction(internal, params, i32, emitter.varTypes, m.block(null, parts, i32));
  }

  private replacePlaceholder(name: string, valueBody: number): void {
    const { b, m } = this;
    const internal = this.placeholders.get(name);
    if (!internal) return;
    const info = b.getFunctionInfo(m.getFunction(internal));
    m.removeFunction(internal);
    if (name === 'eval') {
      m.addFunction(internal, info.params, info.results, [b.i32, b.i32], valueBody);
    } else {
      m.addFunction(internal, info.params, info.results, [], valueBody);
    }
  }

  /** eval(ctx): result set at ctx+8, dispatch on the entrypoint at ctx+12; returns 0. */
  private evalBody(): number {
    const { b, m } = this;
    const i32 = b.i32;
    const ctx = (): number => m.local.get(0, i32);
    const rs = 1;
    const ep = 2;
    const abort = this.literal('internal: illegal entrypoint id');
    let dispatch: number = m.call(this.rt('env.opa_abort').internal, [m.i32.const(abort.ptr)], b.none);
    for (let id = this.policy.plans.length - 1; id >= 0; id--) {
      dispatch = m.if(
        m.i32.eq(m.local.get(ep, i32), m.i32.const(id)),
        m.call(
          `mandate_plan_${id}`,
          [m.i32.load(0, 4, ctx()), m.i32.load(4, 4, ctx()), m.local.get(rs, i32)],
          b.none,
        ),
        dispatch,
      );
    }
    const memoInit = this.callRuntime('opa_memoize_init', []);
    return m.block(
      null,
      [
        this.runtimeReturnsValue('opa_memoize_init') ? m.drop(memoInit) : memoInit,
        // A new evaluation: `time.now_ns` is read from the host again on first use (see FunctionEmitter).
        m.global.set(EVAL_NOW_GLOBAL, m.i32.const(0)),
        m.local.set(rs, this.callRuntime('opa_set', [])),
        m.i32.store(8, 4, ctx(), m.local.get(rs, i32)),
        m.local.set(ep, m.i32.load(12, 4, ctx())),
        dispatch,
        m.i32.const(0),
      ],
      i32,
    );
  }
}
