import { RUNTIME_WASM_BASE64 } from '../../src/codegen/runtime-wasm';

type Fn = (...args: number[]) => number;

/** A runtime instance with stubbed `policy.*` imports and helpers to move values in and out. */
export class RuntimeHarness {
  readonly memory: WebAssembly.Memory;
  readonly exports: Record<string, Fn>;
  evalImpl: (ctx: number) => number = () => 0;
  printed: string[] = [];

  constructor(memory: WebAssembly.MemoryDescriptor = { initial: 2 }) {
    this.memory = new WebAssembly.Memory(memory);
    const bytes = Buffer.from(RUNTIME_WASM_BASE64, 'base64');
    const mod = new WebAssembly.Module(bytes);
    const decode = (addr: number): string => {
      const u8 = new Uint8Array(this.memory.buffer);
      let end = addr;
      while (u8[end] !== 0) end++;
      return new TextDecoder().decode(u8.subarray(addr, end));
    };
    const instance = new WebAssembly.Instance(mod, {
      env: {
        memory: this.memory,
        opa_abort: (addr: number) => {
          throw new Error(decode(addr));
        },
        opa_println: (addr: number) => {
          this.printed.push(decode(addr));
        },
      },
      policy: {
        eval: (ctx: number) => this.evalImpl(ctx),
        builtins: () => 0,
        entrypoints: () => 0,
      },
    });
    this.exports = instance.exports as unknown as Record<string, Fn>;
  }

  /** Writes bytes into freshly allocated memory; returns [addr, len]. */
  write(text: string | Uint8Array): [number, number] {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    const addr = this.exports.opa_malloc(bytes.length);
    new Uint8Array(this.memory.buffer).set(bytes, addr);
    return [addr, bytes.length];
  }

  cstr(addr: number): string {
    const u8 = new Uint8Array(this.memory.buffer);
    let end = addr;
    while (u8[end] !== 0) end++;
    return new TextDecoder().decode(u8.subarray(addr, end));
  }

  /** opa_json_parse of the text (0 when invalid). */
  parse(text: string | Uint8Array): number {
    const [addr, len] = this.write(text);
    return this.exports.opa_json_parse(addr, len);
  }

  /** opa_value_parse (Rego literal syntax). */
  parseRego(text: string): number {
    const [addr, len] = this.write(text);
    return this.exports.opa_value_parse(addr, len);
  }

  /** Parses Rego syntax and fails loudly when it is invalid. */
  v(text: string): number {
    const p = this.parseRego(text);
    if (p === 0) throw new Error(`invalid value: ${text}`);
    return p;
  }

  dump(v: number): string {
    return this.cstr(this.exports.opa_json_dump(v));
  }

  dumpRego(v: number): string {
    return this.cstr(this.exports.opa_value_dump(v));
  }

  /** Calls a native builtin on Rego-syntax arguments; returns its Rego dump or undefined. */
  call(name: string, ...args: string[]): string | undefined {
    const fn = this.exports[`opa_bi_${name.replace(/\./g, '_')}`];
    if (!fn) throw new Error(`no native builtin ${name}`);
    const r = fn(...args.map((a) => this.v(a)));
    return r === 0 ? undefined : this.dumpRego(r);
  }

  str(s: string): number {
    const [addr, len] = this.write(s);
    return this.exports.opa_string(addr, len);
  }
}
