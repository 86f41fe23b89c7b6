/**
 * Every builtin function Mandate's Rego compiler knows.
 *
 * - `native`: implemented inside the Wasm runtime and exported as `opa_bi_<name with . → _>`; generated code
 *   calls it directly.
 * - host: implemented in TypeScript (`src/host/`), imported by the module through `env.opa_builtin<N>` and
 *   listed in the module's `builtins()` export; `compile()` returns the implementations, which the caller
 *   passes to `loadPolicy` as custom builtins.
 * - `unsupported`: known to the language (so the front end can check arity and give a clear message) but not
 *   compiled: non-deterministic, network or introspection builtins (`http.send`, `rand.intn`, `opa.runtime`…).
 *
 * Native = OPA's Wasm-native list plus the runtime's extras (`RUNTIME_EXTRAS`, checked against natives.json).
 * At code generation the runtime module's actual exports decide: a builtin the runtime exports is called
 * natively; one it does not (yet) export is called through the host when `src/host/` implements it; otherwise
 * compile() fails with `rego_unsupported_builtin` (see `builtin()` in `src/codegen/wasm.generator.ts`).
 */
export type BuiltinSupport = 'native' | 'host' | 'unsupported';

export interface BuiltinSpec {
  /** Rego name, e.g. `object.get`. */
  readonly name: string;
  /** Number of arguments, not counting the output. -1 means variadic (`print`). */
  readonly arity: number;
  /** True when the builtin is a relation (produces several outputs, e.g. `walk`). */
  readonly relation: boolean;
  /** True when the Wasm runtime implements it (`opa_bi_*` export). */
  readonly native: boolean;
  readonly support: BuiltinSupport;
  /** Deprecated in OPA v1 (still callable here). */
  readonly deprecated: boolean;
}

type Row = readonly [name: string, arity: number];

/** OPA's Wasm-native builtins (reference §1.5, 94 names), with their arities. */
const NATIVE: readonly Row[] = [
  ['abs', 1],
  ['all', 1],
  ['and', 2],
  ['any', 1],
  ['array.concat', 2],
  ['array.reverse', 1],
  ['array.slice', 3],
  ['base64.decode', 1],
  ['base64.encode', 1],
  ['base64.is_valid', 1],
  ['base64url.decode', 1],
  ['base64url.encode', 1],
  ['bits.and', 2],
  ['bits.lsh', 2],
  ['bits.negate', 1],
  ['bits.or', 2],
  ['bits.rsh', 2],
  ['bits.xor', 2],
  ['ceil', 1],
  ['concat', 2],
  ['contains', 2],
  ['count', 1],
  ['div', 2],
  ['endswith', 2],
  ['equal', 2],
  ['floor', 1],
  ['format_int', 2],
  ['glob.match', 3],
  ['graph.reachable', 2],
  ['gt', 2],
  ['gte', 2],
  ['indexof', 2],
  ['internal.member_2', 2],
  ['internal.member_3', 3],
  ['intersection', 1],
  ['is_array', 1],
  ['is_boolean', 1],
  ['is_null', 1],
  ['is_number', 1],
  ['is_object', 1],
  ['is_set', 1],
  ['is_string', 1],
  ['json.filter', 2],
  ['json.is_valid', 1],
  ['json.marshal', 1],
  ['json.remove', 2],
  ['json.unmarshal', 1],
  ['lower', 1],
  ['lt', 2],
  ['lte', 2],
  ['max', 1],
  ['min', 1],
  ['minus', 2],
  ['mul', 2],
  ['neq', 2],
  ['net.cidr_contains', 2],
  ['net.cidr_intersects', 2],
  ['net.cidr_overlap', 2],
  ['numbers.range', 2],
  ['object.filter', 2],
  ['object.get', 3],
  ['object.keys', 1],
  ['object.remove', 2],
  ['object.union', 2],
  ['object.union_n', 1],
  ['or', 2],
  ['plus', 2],
  ['product', 1],
  ['re_match', 2],
  ['regex.find_all_string_submatch_n', 3],
  ['regex.is_valid', 1],
  ['regex.match', 2],
  ['rem', 2],
  ['replace', 3],
  ['round', 1],
  ['set_diff', 2],
  ['sort', 1],
  ['split', 2],
  ['startswith', 2],
  ['strings.replace_n', 2],
  ['strings.reverse', 1],
  ['substring', 3],
  ['sum', 1],
  ['to_number', 1],
  ['trim', 2],
  ['trim_left', 2],
  ['trim_prefix', 2],
  ['trim_right', 2],
  ['trim_space', 1],
  ['trim_suffix', 2],
  ['type_name', 1],
  ['union', 1],
  ['upper', 1],
  ['walk', 1],
];

/** Builtins evaluated by the host (TypeScript, `src/host/`). */
const HOST: readonly Row[] = [
  // strings
  ['sprintf', 2],
  ['indexof_n', 2],
  ['strings.count', 2],
  ['strings.any_prefix_match', 2],
  ['strings.any_suffix_match', 2],
  ['strings.render_template', 2],
  // numbers / arrays / objects
  ['numbers.range_step', 3],
  ['object.subset', 2],
  ['json.patch', 2],
  ['json.marshal_with_options', 2],
  ['json.verify_schema', 1],
  ['json.match_schema', 2],
  // casts (deprecated)
  ['cast_array', 1],
  ['cast_set', 1],
  ['cast_string', 1],
  ['cast_boolean', 1],
  ['cast_null', 1],
  ['cast_object', 1],
  // regex / glob
  ['regex.split', 2],
  ['regex.find_n', 3],
  ['regex.globs_match', 2],
  ['regex.template_match', 4],
  ['regex.replace', 3],
  ['glob.quote_meta', 1],
  // units
  ['units.parse', 1],
  ['units.parse_bytes', 1],
  // encodings
  ['base64url.encode_no_pad', 1],
  ['hex.encode', 1],
  ['hex.decode', 1],
  ['urlquery.encode', 1],
  ['urlquery.decode', 1],
  ['urlquery.encode_object', 1],
  ['urlquery.decode_object', 1],
  ['yaml.marshal', 1],
  ['yaml.unmarshal', 1],
  ['yaml.is_valid', 1],
  // JWT
  ['io.jwt.decode', 1],
  ['io.jwt.decode_verify', 2],
  ['io.jwt.encode_sign', 3],
  ['io.jwt.encode_sign_raw', 3],
  ['io.jwt.verify_rs256', 2],
  ['io.jwt.verify_rs384', 2],
  ['io.jwt.verify_rs512', 2],
  ['io.jwt.verify_ps256', 2],
  ['io.jwt.verify_ps384', 2],
  ['io.jwt.verify_ps512', 2],
  ['io.jwt.verify_es256', 2],
  ['io.jwt.verify_es384', 2],
  ['io.jwt.verify_es512', 2],
  ['io.jwt.verify_hs256', 2],
  ['io.jwt.verify_hs384', 2],
  ['io.jwt.verify_hs512', 2],
  // time
  ['time.now_ns', 0],
  ['time.parse_ns', 2],
  ['time.parse_rfc3339_ns', 1],
  ['time.parse_duration_ns', 1],
  ['time.date', 1],
  ['time.clock', 1],
  ['time.weekday', 1],
  ['time.add_date', 4],
  ['time.diff', 2],
  ['time.format', 1],
  // crypto
  ['crypto.md5', 1],
  ['crypto.sha1', 1],
  ['crypto.sha256', 1],
  ['crypto.hmac.md5', 2],
  ['crypto.hmac.sha1', 2],
  ['crypto.hmac.sha256', 2],
  ['crypto.hmac.sha512', 2],
  ['crypto.hmac.equal', 2],
  ['crypto.x509.parse_certificates', 1],
  ['crypto.x509.parse_and_verify_certificates', 1],
  ['crypto.x509.parse_and_verify_certificates_with_options', 2],
  ['crypto.x509.parse_certificate_request', 1],
  ['crypto.x509.parse_keypair', 2],
  ['crypto.x509.parse_rsa_private_key', 1],
  ['crypto.parse_private_keys', 1],
  // net / graph / misc
  ['net.cidr_expand', 1],
  ['net.cidr_contains_matches', 2],
  ['net.cidr_merge', 1],
  ['net.cidr_is_valid', 1],
  ['graph.reachable_paths', 2],
  ['semver.is_valid', 1],
  ['semver.compare', 2],
  ['uuid.parse', 1],
];

/** Known to Rego but not compiled by Mandate (outside the process, random or introspective). */
const UNSUPPORTED: readonly Row[] = [
  ['http.send', 1],
  ['net.lookup_ip_addr', 1],
  ['rand.intn', 2],
  ['uuid.rfc4122', 1],
  ['opa.runtime', 0],
  ['trace', 1],
  ['print', -1],
  ['internal.print', 1],
  ['rego.parse_module', 2],
  ['rego.metadata.chain', 0],
  ['rego.metadata.rule', 0],
  ['providers.aws.sign_req', 3],
  ['graphql.is_valid', 2],
  ['graphql.parse', 2],
  ['graphql.parse_and_verify', 2],
  ['graphql.parse_query', 1],
  ['graphql.parse_schema', 1],
  ['graphql.schema_is_valid', 1],
  ['test.sleep', 1],
];

const DEPRECATED = new Set([
  'all',
  'any',
  're_match',
  'set_diff',
  'net.cidr_overlap',
  'cast_array',
  'cast_set',
  'cast_string',
  'cast_boolean',
  'cast_null',
  'cast_object',
]);
const RELATIONS = new Set(['walk']);

/**
 * Builtins Mandate's runtime implements beyond OPA's native list (kept in step with `runtime/natives.json`,
 * which the runtime build writes; catalog.spec.ts checks the two agree).
 */
const RUNTIME_EXTRAS = new Set([
  'base64url.encode_no_pad',
  'hex.decode',
  'hex.encode',
  'indexof_n',
  'io.jwt.decode',
  'io.jwt.verify_hs256',
  'io.jwt.verify_hs384',
  'io.jwt.verify_hs512',
  'net.cidr_contains_matches',
  'net.cidr_is_valid',
  'numbers.range_step',
  'object.subset',
  'regex.find_n',
  'regex.replace',
  'regex.split',
  'sprintf',
  'strings.any_prefix_match',
  'strings.any_suffix_match',
  'strings.count',
  'units.parse',
  'units.parse_bytes',
  'urlquery.decode',
  'urlquery.encode',
]);

function build(): ReadonlyMap<string, BuiltinSpec> {
  const map = new Map<string, BuiltinSpec>();
  const add = (rows: readonly Row[], declared: BuiltinSupport): void => {
    for (const [name, arity] of rows) {
      if (map.has(name)) throw new Error(`builtin catalog: duplicate ${name}`);
      // Builtins the runtime implements beyond OPA's native list are native too.
      const support: BuiltinSupport = declared === 'host' && RUNTIME_EXTRAS.has(name) ? 'native' : declared;
      map.set(name, {
        name,
        arity,
        relation: RELATIONS.has(name),
        native: support === 'native',
        support,
        deprecated: DEPRECATED.has(name),
      });
    }
  };
  add(NATIVE, 'native');
  add(HOST, 'host');
  add(UNSUPPORTED, 'unsupported');
  return map;
}

/** All builtins by Rego name. */
export const BUILTINS: ReadonlyMap<string, BuiltinSpec> = build();

/** Infix operators and the builtin each one calls. */
export const OPERATORS: Readonly<Record<string, string>> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  '+': 'plus',
  '-': 'minus',
  '*': 'mul',
  '/': 'div',
  '%': 'rem',
  '&': 'and',
  '|': 'or',
};

export function lookupBuiltin(name: string): BuiltinSpec | undefined {
  return BUILTINS.get(name);
}

/** The runtime export implementing a native builtin: `opa_bi_` + name with `.` replaced by `_`. */
export function nativeExportName(name: string): string {
  return `opa_bi_${name.replace(/\./g, '_')}`;
}
