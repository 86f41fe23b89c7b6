// Compiles the AssemblyScript runtime and writes src/codegen/runtime-wasm.ts (the module as base64).
// Usage: node libs/rego/runtime/build.mjs [--out <file.wasm>] [--debug]
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import binaryen from 'binaryen';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'src', 'codegen', 'runtime-wasm.ts');
const debug = process.argv.includes('--debug');
const outIdx = process.argv.indexOf('--out');

// Rego names of the native builtins (each must be exported as opa_bi_<name with . replaced by _>).
const NATIVE_NAMES = [
  // operators
  'equal',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'plus',
  'minus',
  'mul',
  'div',
  'rem',
  'and',
  'or',
  // aggregates and numbers
  'count',
  'sum',
  'product',
  'max',
  'min',
  'sort',
  'any',
  'all',
  'abs',
  'round',
  'ceil',
  'floor',
  'numbers.range',
  // types
  'is_number',
  'is_string',
  'is_boolean',
  'is_array',
  'is_set',
  'is_object',
  'is_null',
  'type_name',
  'to_number',
  // arrays, objects, sets
  'array.concat',
  'array.slice',
  'array.reverse',
  'object.get',
  'object.keys',
  'object.remove',
  'object.filter',
  'object.union',
  'object.union_n',
  'intersection',
  'union',
  'set_diff',
  'internal.member_2',
  'internal.member_3',
  'walk',
  'graph.reachable',
  'units.parse',
  'units.parse_bytes',
  // crypto
  'crypto.md5',
  'crypto.sha1',
  'crypto.sha256',
  'crypto.hmac.md5',
  'crypto.hmac.sha1',
  'crypto.hmac.sha256',
  'crypto.hmac.sha512',
  'crypto.hmac.equal',
  'object.subset',
  'numbers.range_step',
  // bits
  'bits.and',
  'bits.or',
  'bits.xor',
  'bits.negate',
  'bits.lsh',
  'bits.rsh',
  // strings
  'concat',
  'contains',
  'startswith',
  'endswith',
  'lower',
  'upper',
  'split',
  'trim',
  'trim_left',
  'trim_right',
  'trim_prefix',
  'trim_suffix',
  'trim_space',
  'substring',
  'indexof',
  'indexof_n',
  'replace',
  'strings.reverse',
  'strings.replace_n',
  'strings.count',
  'format_int',
  'sprintf',
  'strings.any_prefix_match',
  'strings.any_suffix_match',
  // JSON
  'json.marshal',
  'json.unmarshal',
  'json.is_valid',
  'json.filter',
  'json.remove',
  // encodings
  'base64.encode',
  'base64.decode',
  'base64.is_valid',
  'base64url.encode',
  'base64url.encode_no_pad',
  'base64url.decode',
  'hex.encode',
  'hex.decode',
  'urlquery.encode',
  'urlquery.decode',
  // regular expressions and globs
  'regex.match',
  're_match',
  'regex.is_valid',
  'regex.find_all_string_submatch_n',
  'regex.find_n',
  'regex.split',
  'regex.replace',
  'glob.match',
  // networks
  'net.cidr_contains',
  'net.cidr_intersects',
  'net.cidr_overlap',
  'net.cidr_is_valid',
  'net.cidr_contains_matches',
  // tokens
  'io.jwt.decode',
  'io.jwt.verify_hs256',
  'io.jwt.verify_hs384',
  'io.jwt.verify_hs512',
];

let wasm;
const stderr = [];
const { error, stats } = await asc.main(
  [
    'assembly/index.ts',
    '--baseDir',
    here,
    '--outFile',
    'runtime.wasm',
    '--runtime',
    'stub',
    '--importMemory',
    '--zeroFilledMemory',
    '--initialMemory',
    '1',
    '--use',
    'abort=assembly/alloc/runtimeAbort',
    '--noAssert',
    ...(debug ? ['--debug', '-O1'] : ['-O3', '--shrinkLevel', '1', '--converge']),
  ],
  {
    writeFile(name, contents) {
      if (name.endsWith('.wasm')) wasm = contents;
    },
    stderr: { write: (s) => stderr.push(String(s)) },
    stdout: { write: () => {} },
  },
);
const warnings = stderr.join('');
if (warnings.trim()) process.stderr.write(warnings);
if (error || !wasm) {
  throw error ?? new Error('asc produced no binary');
}

let arities;
// Add an immutable exported global with the first free address after the runtime's static memory (data
// segments plus zero-initialised scratch areas that have no segment), read from a probe instance.
{
  const probe = new WebAssembly.Instance(new WebAssembly.Module(wasm), {
    env: { memory: new WebAssembly.Memory({ initial: 1 }), opa_abort() {}, opa_println() {} },
    policy: { eval: () => 0, builtins: () => 0, entrypoints: () => 0 },
  });
  const heapBase = probe.exports.opa_heap_ptr_get();
  const m = binaryen.readBinary(wasm);
  if (m.getStart()) throw new Error('the runtime must not have a start function');
  // keep only the ABI / runtime API (helper functions exported across AssemblyScript files are dropped)
  for (let i = m.getNumExports() - 1; i >= 0; i--) {
    const info = binaryen.getExportInfo(m.getExportByIndex(i));
    if (info.name !== 'memory' && !info.name.startsWith('opa_')) m.removeExport(info.name);
  }
  arities = new Map();
  for (let i = 0; i < m.getNumExports(); i++) {
    const info = binaryen.getExportInfo(m.getExportByIndex(i));
    if (info.kind !== binaryen.ExternalFunction || !info.name.startsWith('opa_bi_')) continue;
    const fn = binaryen.getFunctionInfo(m.getFunction(info.value));
    arities.set(info.name, binaryen.expandType(fn.params).length);
  }
  // Zero-initialised scratch areas have no data segment (--zeroFilledMemory). A linker that places its data
  // after the last segment would overwrite them, so the static region is closed with a one-byte zero segment
  // just below the heap base: "end of the last data segment" and opa_runtime_heap_base then agree.
  const segments = [];
  let segmentsEnd = 0;
  for (let i = 0; i < m.getNumDataSegments(); i++) {
    const info = m.getDataSegmentInfo(m.getDataSegmentByIndex(i));
    segments.push({
      name: info.name,
      passive: info.passive,
      offset: info.offset,
      data: new Uint8Array(info.data),
    });
    if (!info.passive) segmentsEnd = Math.max(segmentsEnd, info.offset + info.data.byteLength);
  }
  if (segmentsEnd < heapBase) {
    const memExport = [...Array(m.getNumExports()).keys()]
      .map((i) => binaryen.getExportInfo(m.getExportByIndex(i)))
      .find((e) => e.kind === binaryen.ExternalMemory);
    const memName = memExport.value;
    const memInfo = m.getMemoryInfo(memName);
    m.removeExport(memExport.name);
    segments.push({ name: 'static_end', passive: false, offset: heapBase - 1, data: new Uint8Array([0]) });
    m.setMemory(
      memInfo.initial,
      -1,
      null,
      segments.map((sg) => ({
        name: sg.name,
        passive: sg.passive,
        offset: sg.passive ? 0 : m.i32.const(sg.offset),
        data: sg.data,
      })),
      false,
      false,
      memName,
    );
    m.addMemoryImport(memName, 'env', 'memory');
    m.addMemoryExport(memName, 'memory');
  }
  m.addGlobal('opa_runtime_heap_base', binaryen.i32, false, m.i32.const(heapBase));
  m.addGlobalExport('opa_runtime_heap_base', 'opa_runtime_heap_base');
  m.setFeatures(
    binaryen.Features.MVP |
      binaryen.Features.MutableGlobals |
      binaryen.Features.SignExt |
      binaryen.Features.BulkMemory |
      binaryen.Features.BulkMemoryOpt |
      binaryen.Features.NontrappingFPToInt,
  );
  if (!m.validate()) throw new Error('runtime module does not validate');
  wasm = m.emitBinary();
  m.dispose();
}

const mod = new WebAssembly.Module(wasm);
const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`);
const allowed = new Set([
  'env.memory',
  'env.opa_abort',
  'env.opa_println',
  'policy.eval',
  'policy.builtins',
  'policy.entrypoints',
]);
const bad = imports.filter((i) => !allowed.has(i));
if (bad.length) throw new Error(`unexpected imports: ${bad.join(', ')}`);

// natives.json: the native builtins (Rego name, export, arity), read by src/builtins/catalog.ts
const natives = NATIVE_NAMES.map((name) => {
  const exp = `opa_bi_${name.replace(/\./g, '_')}`;
  if (!arities.has(exp)) throw new Error(`native builtin ${name}: missing export ${exp}`);
  return { name, export: exp, arity: arities.get(exp) };
});
const listed = new Set(natives.map((n) => n.export));
const unlisted = [...arities.keys()].filter((e) => !listed.has(e));
if (unlisted.length) throw new Error(`exports missing from NATIVE_NAMES: ${unlisted.join(', ')}`);
writeFileSync(
  join(here, 'natives.json'),
  `[\n${natives.map((n) => `  ${JSON.stringify(n)}`).join(',\n')}\n]\n`,
);

if (outIdx >= 0) writeFileSync(process.argv[outIdx + 1], wasm);
mkdirSync(dirname(target), { recursive: true });
const b64 = Buffer.from(wasm).toString('base64');
writeFileSync(
  target,
  `// Generated by libs/rego/runtime/build.mjs (npm run build:runtime). Do not edit.\n` +
    `// The Rego Wasm runtime (AssemblyScript, libs/rego/runtime/assembly), ${wasm.length} bytes.\n` +
    `export const RUNTIME_WASM_BASE64 =\n  '${b64}';\n`,
);
process.stdout.write(`runtime: ${wasm.length} bytes, imports: ${imports.join(' ')}\n${stats ? '' : ''}`);
