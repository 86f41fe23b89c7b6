/**
 * Benchmark of builtin-heavy policies (prints figures; no assertions): one tool-governance policy written four
 * ways — plain (string builtins only, the identity already decoded by the caller), with `regex.match`, with
 * `io.jwt.verify_hs256` + `io.jwt.decode` on a realistic HS256 bearer token, and with both — evaluated through
 * @open-policy-agent/opa-wasm with the same inputs. Prints p50/p99 latency, throughput and the ratio to the
 * plain policy, then figures that attribute the difference: `regex+jwt*` decodes the JWT payload with native
 * builtins instead of the host's io.jwt.decode, and the JWT builtins' JavaScript implementations (kept for hosts that
 * import them) are timed alone, called directly from JS, with the
 * session's token (served from their LRU caches) and with a new token per call (cold).
 *
 * Run by `npm run bench:rego` after the main benchmark; alone: node dist/libs/rego/bench/bench-rego-builtins.js
 */
import opa from '@open-policy-agent/opa-wasm';
import { createHmac } from 'node:crypto';
import { compile, HOST_BUILTINS } from '../src/index';

const SECRET = 'bench-hs256-secret-0123456789abcdef';

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function hs256Token(claims: Record<string, unknown>): string {
  const signingInput = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' }))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`;
}

interface Variant {
  name: string;
  regex: boolean;
  jwt: boolean;
  /** Decode the payload with the runtime's native builtins (split, base64url.decode, json.unmarshal). */
  nativeDecode?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'plain', regex: false, jwt: false },
  { name: 'regex', regex: true, jwt: false },
  { name: 'jwt', regex: false, jwt: true },
  { name: 'regex+jwt', regex: true, jwt: true },
  { name: 'regex+jwt*', regex: true, jwt: true, nativeDecode: true },
];

/** The policy; the variant decides how identity and argument checks are written. */
function policySource(v: Variant): string {
  const identity = v.jwt
    ? `token_valid if io.jwt.verify_hs256(input.context.token, "${SECRET}")

${
  v.nativeDecode
    ? `claims := json.unmarshal(base64url.decode(split(input.context.token, ".")[1])) if token_valid`
    : `claims := payload if {
	token_valid
	[_, payload, _] := io.jwt.decode(input.context.token)
}`
}`
    : `token_valid if input.context.token_valid == true

claims := input.context.claims if token_valid`;
  const checks = v.regex
    ? `path_ok if regex.match(\`^/workspace/[A-Za-z0-9_./-]+$\`, input.arguments.path)

traversal if regex.match(\`(^|/)\\.\\.(/|$)\`, input.arguments.path)

protected_branch if regex.match(\`^(main|master|release/[0-9]+\\.[0-9]+)$\`, input.arguments.branch)

internal_url if regex.match(\`^https://([a-z0-9-]+\\.)*corp\\.example(/.*)?$\`, input.arguments.url)

email_ok if regex.match(\`^[a-z0-9._%+-]+@example\\.com$\`, claims.email)`
    : `path_ok if startswith(input.arguments.path, "/workspace/")

traversal if contains(input.arguments.path, "../")

protected_branch if input.arguments.branch in {"main", "master"}

protected_branch if startswith(input.arguments.branch, "release/")

internal_url if startswith(input.arguments.url, "https://api.corp.example/")

email_ok if endswith(claims.email, "@example.com")`;
  return `package bench

${identity}

${checks}

read_tools := {"read_file", "list_dir", "search_code"}

write_tools := {"write_file", "push_branch", "http_post"}

groups contains g if some g in claims.groups

scopes := split(claims.scope, " ")

deny contains "invalid or missing token" if not token_valid

deny contains "token expired" if claims.exp < input.context.now

deny contains "path outside the workspace" if {
	input.tool.name in {"read_file", "write_file"}
	not path_ok
}

deny contains "path traversal" if traversal

deny contains "push to a protected branch" if {
	input.tool.name == "push_branch"
	protected_branch
	not "release-managers" in groups
}

deny contains "external URL" if {
	input.tool.name == "http_post"
	not internal_url
}

deny contains "unknown user domain" if not email_ok

allowed_tool if {
	input.tool.name in read_tools
	"tools:read" in scopes
}

allowed_tool if {
	input.tool.name in write_tools
	"tools:write" in scopes
	"dev" in groups
}

default allow := false

allow if {
	count(deny) == 0
	allowed_tool
}

decision := {"allow": allow, "deny": sort([r | some r in deny]), "subject": object.get(claims, "sub", null)}
`;
}

function inputs(): Record<string, unknown>[] {
  const now = 1_795_000_000;
  const calls = [
    { tool: 'read_file', args: { path: '/workspace/src/main.ts' }, groups: ['dev'], scope: 'tools:read' },
    {
      tool: 'push_branch',
      args: { repo: 'corp/infra', branch: 'release/2.4' },
      groups: ['dev', 'ops'],
      scope: 'tools:read tools:write',
    },
    {
      tool: 'http_post',
      args: { url: 'https://api.corp.example/v1/payments', amount: 250 },
      groups: ['dev', 'finance'],
      scope: 'tools:read tools:write',
    },
  ];
  return calls.map((c, i) => {
    const claims = {
      iss: 'https://idp.example.com',
      sub: `user-${i}`,
      aud: 'mandate',
      email: `user${i}@example.com`,
      groups: c.groups,
      scope: c.scope,
      iat: now - 60,
      exp: now + 3600,
    };
    return {
      phase: 'call',
      agent: { id: `a${i}`, name: 'coder', labels: { env: 'prod' }, trust: 3, owner: `user-${i}` },
      tool: { name: c.tool, digest: 'sha256:ab', pinned: true, changed: false, risk: 'write' },
      arguments: c.args,
      findings: [],
      // Both forms in every input, so all variants parse the same JSON text size.
      context: { now, token: hs256Token(claims), token_valid: true, claims, request_id: `r${i}` },
    };
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Figures {
  p50: number;
  p99: number;
  throughput: number;
}

function measure(run: (i: number) => void, evals: number): Figures {
  for (let i = 0; i < Math.min(3000, evals); i++) run(i);
  const lat = new Float64Array(evals);
  const started = process.hrtime.bigint();
  for (let i = 0; i < evals; i++) {
    const t0 = process.hrtime.bigint();
    run(i);
    lat[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalS = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = Array.from(lat).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), throughput: evals / totalS };
}

function line(label: string, f: Figures, base?: Figures): string {
  const ratio = base
    ? `  (p50 ×${(f.p50 / base.p50).toFixed(2)}, p99 ×${(f.p99 / base.p99).toFixed(2)} of plain)`
    : '';
  return (
    `  ${label.padEnd(12)} p50 ${f.p50.toFixed(1).padStart(6)} µs  p99 ${f.p99.toFixed(1).padStart(6)} µs  ` +
    `${f.throughput.toFixed(0).padStart(7)} evals/s${ratio}\n`
  );
}

/** Runs the benchmark; `argv` may carry `--evals N`. */
export async function runBuiltinsBench(argv: string[] = process.argv): Promise<void> {
  const i = argv.indexOf('--evals');
  const evals = i >= 0 ? Number(argv[i + 1]) : 30000;
  const docs = inputs();
  const texts = docs.map((doc) => new TextEncoder().encode(JSON.stringify(doc)).buffer);
  process.stdout.write(
    `\nbuiltins: the same policy plain / with regex.match / with io.jwt.verify_hs256 + io.jwt.decode ` +
      `(${evals} evaluations, 3 inputs, JWT ${String(docs[0].context && (docs[0].context as { token: string }).token.length)} chars)\n`,
  );
  let base: Figures | undefined;
  for (const variant of VARIANTS) {
    const out = await compile({
      modules: { 'bench.rego': policySource(variant) },
      entrypoints: ['bench/decision'],
    });
    const policy = await opa.loadPolicy(out.wasm, undefined, out.builtins);
    policy.setData({});
    const results = texts.map((t) => JSON.stringify(policy.evaluate(t, 'bench/decision')));
    const expected = '[{"result":{"allow":true,"deny":[],"subject":"user-0"}}]';
    if (results[0] !== expected) throw new Error(`${variant.name}: unexpected result ${results[0]}`);
    const f = measure((n) => void policy.evaluate(texts[n % texts.length], 'bench/decision'), evals);
    base ??= f;
    process.stdout.write(line(variant.name, f, variant === VARIANTS[0] ? undefined : base));
    process.stdout.write(
      `  ${''.padEnd(12)} host builtins imported: ${Object.keys(out.builtins).sort().join(', ') || 'none'}\n`,
    );
  }

  // The JWT builtins' JavaScript implementations alone (used where a module imports them from the host), called from JS with already-decoded arguments (no Wasm, no JSON).
  const tokens = docs.map((d) => (d.context as { token: string }).token);
  const verify = HOST_BUILTINS['io.jwt.verify_hs256'];
  const decode = HOST_BUILTINS['io.jwt.decode'];
  const v = measure((n) => void verify(tokens[n % tokens.length], SECRET), evals);
  const d = measure((n) => void decode(tokens[n % tokens.length]), evals);
  // Cold: a different token on every call (more tokens than the caches hold), so nothing is served from cache.
  const coldTokens = Array.from({ length: 2048 }, (_, n) =>
    hs256Token({ sub: `user-${n}`, aud: 'mandate', exp: 1_795_003_600 }),
  );
  const vc = measure((n) => void verify(coldTokens[n % coldTokens.length], SECRET), evals);
  const dc = measure((n) => void decode(coldTokens[n % coldTokens.length]), evals);
  process.stdout.write('  JS host implementations of the JWT builtins, called directly (compiled modules use the runtime\'s natives):\n');
  process.stdout.write(line('verify_hs256', v));
  process.stdout.write(line('jwt.decode', d));
  process.stdout.write(line('verify cold', vc));
  process.stdout.write(line('decode cold', dc));
  process.stdout.write(
    `  ${''.padEnd(12)} (cold: a new token per call, no cache hit; warm: a session's token, served from the LRU)\n`,
  );
}

if (require.main === module) {
  runBuiltinsBench().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
