import { createHash } from 'node:crypto';
import opa from '@open-policy-agent/opa-wasm';
import canonicalize from 'canonicalize';
import { hostBuiltinsByImportName } from '@mandate/rego';
import { decisionOfPolicyResult, failClosed } from './decision-mapping';
import type { PolicyBundle } from './bundle-reader';
import type { Decision, DecisionRequest } from './types';

type LoadedPolicy = Awaited<ReturnType<typeof opa.loadPolicy>>;

/** 64 KiB pages a bundle's policy may use (32 MiB), as on the server. */
const MAX_MEMORY_PAGES = 512;

/** What the gateway knows that the server would otherwise look up (all optional). */
export interface OfflineFacts {
  agent?: { id?: string; labels?: Record<string, string>; trust?: number; owner?: string | null };
  /** Catalog facts of a tool, e.g. from the gateway's own configuration. */
  tool?: (server: string, tool: string) => { pinned?: boolean; risk?: string } | undefined;
}

/** `sha256:` + hex SHA-256 of the RFC 8785 canonical JSON of a tool definition (as the server computes it). */
export function toolDigest(definition: Record<string, unknown>): string {
  const canonical = canonicalize(definition);
  if (canonical === undefined) throw new Error('the tool definition cannot be canonicalised');
  return `sha256:${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

/**
 * The policy input for a decision made without Mandate. Facts only the server has (catalog pinning unless
 * given, validation findings, grants, approvals) are absent; `context.offline` is true so a policy can be
 * stricter offline.
 */
export function offlineInput(
  request: DecisionRequest,
  facts: OfflineFacts = {},
  now = new Date(),
): Record<string, unknown> {
  const definition = request.tool.definition;
  const annotations = definition?.annotations;
  const toolFacts = facts.tool?.(request.server.name, request.tool.name) ?? {};
  return {
    phase: request.phase,
    agent: {
      id: facts.agent?.id ?? null,
      name: request.agent,
      labels: facts.agent?.labels ?? {},
      trust: facts.agent?.trust ?? 0,
      owner: facts.agent?.owner ?? null,
      enabled: true,
    },
    principal: request.principal
      ? {
          id: request.principal.id,
          email: request.principal.email ?? null,
          groups: request.principal.groups ?? [],
        }
      : null,
    server: { id: null, name: request.server.name, url: request.server.url ?? null },
    tool: {
      name: request.tool.name,
      digest: definition ? toolDigest(definition) : null,
      pinned: toolFacts.pinned ?? false,
      changed: false,
      risk: toolFacts.risk ?? 'unknown',
      annotations:
        annotations !== null && typeof annotations === 'object' && !Array.isArray(annotations)
          ? annotations
          : {},
    },
    arguments: request.arguments,
    findings: [],
    grants: [],
    approval: null,
    context: {
      time: now.toISOString(),
      ip: null,
      gateway: null,
      session: request.context?.session ?? null,
      request_id: null,
      offline: true,
    },
    ...(request.phase === 'result' && request.result !== undefined ? { result: request.result } : {}),
  };
}

/** A bundle's policy loaded with `@open-policy-agent/opa-wasm` (Mandate's host builtins, memory capped). */
export class LocalPolicy {
  private policy: LoadedPolicy | undefined;

  private constructor(
    private readonly module: WebAssembly.Module,
    readonly bundle: PolicyBundle,
    /** The bundle's revision (`.manifest` `revision`), as a number when it is one. */
    readonly revision: number | null,
  ) {}

  static async load(bundle: PolicyBundle): Promise<LocalPolicy> {
    const module = await WebAssembly.compile(new Uint8Array(bundle.wasm));
    const raw = bundle.manifest.revision;
    const revision =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : null;
    const local = new LocalPolicy(module, bundle, revision);
    await local.instance();
    return local;
  }

  private async instance(): Promise<LoadedPolicy> {
    if (this.policy) return this.policy;
    const policy = await opa.loadPolicy(
      this.module,
      { initial: 5, maximum: MAX_MEMORY_PAGES },
      hostBuiltinsByImportName(),
    );
    policy.setData(this.bundle.data);
    const entrypoints = policy.entrypoints as Record<string, number>;
    if (typeof entrypoints[this.bundle.entrypoint] !== 'number') {
      throw new Error(`the bundle's policy has no entrypoint ${this.bundle.entrypoint}`);
    }
    this.policy = policy;
    return policy;
  }

  /** Evaluates the entrypoint; any failure is a deny (fail closed). A trapped instance is replaced. */
  async evaluate(input: Record<string, unknown>): Promise<Decision> {
    try {
      const policy = await this.instance();
      const resultSet: unknown = policy.evaluate(input, this.bundle.entrypoint);
      const first: unknown = Array.isArray(resultSet) ? resultSet[0] : undefined;
      const value =
        first !== null && typeof first === 'object' && 'result' in first ? first.result : undefined;
      return decisionOfPolicyResult(value, this.revision);
    } catch {
      this.policy = undefined;
      return failClosed('policy_error', 'the local policy could not be evaluated');
    }
  }
}
