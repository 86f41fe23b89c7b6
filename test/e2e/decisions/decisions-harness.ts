import { Global, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ACTIVE_POLICY_READER_OVERRIDE,
  type ActivePolicy,
  type ActivePolicyReaderPort,
} from '@mandate/decisions';
import { compile } from '@mandate/rego';
import { call, type SeededOrg } from '../identity/identity-harness';

/**
 * An in-memory policy store with the shared ActivePolicyReader contract: tests "activate" Rego sources per
 * organisation (revision + 1 each time); organisations without one get the real store's baseline.
 * It has no getActiveRevision, so the cache's poll exercises the getActive path.
 */
export class FakePolicyStore implements ActivePolicyReaderPort {
  private readonly active = new Map<string, ActivePolicy>();
  /** The real store's baseline (set once the app is up). */
  baseline: Pick<ActivePolicyReaderPort, 'getBaseline'> | undefined;
  failing = false;

  async activate(orgId: string, source: string): Promise<number> {
    const out = await compile({ modules: { 'policy.rego': source }, entrypoints: ['mandate/decision'] });
    const revision = (this.active.get(orgId)?.revision ?? 0) + 1;
    this.active.set(orgId, {
      orgId,
      revision,
      versionId: `v${revision}`,
      wasm: out.wasm,
      entrypoint: 'mandate/decision',
      activatedAt: new Date(),
    });
    return revision;
  }

  getActive(orgId: string): Promise<ActivePolicy | null> {
    if (this.failing) return Promise.reject(new Error('store down'));
    return Promise.resolve(this.active.get(orgId) ?? null);
  }

  getBaseline(): Promise<ActivePolicy> {
    if (!this.baseline) return Promise.reject(new Error('no baseline'));
    return this.baseline.getBaseline();
  }
}

export const fakeStore = new FakePolicyStore();

@Global()
@Module({
  providers: [{ provide: ACTIVE_POLICY_READER_OVERRIDE, useValue: fakeStore }],
  exports: [ACTIVE_POLICY_READER_OVERRIDE],
})
export class FakePolicyStoreModule {}

/** A gateway key (scope decisions:evaluate) of the organisation. */
export async function gatewayKey(app: NestFastifyApplication, org: SeededOrg, name = 'gw'): Promise<string> {
  const res = await call(app, {
    method: 'POST',
    url: '/v1/api-keys',
    token: org.ownerToken,
    body: { name, scopes: ['decisions:evaluate'] },
  });
  if (res.status !== 201) throw new Error(`creating a gateway key failed: ${res.status} ${res.raw}`);
  return res.body.key as string;
}

export async function createAgent(
  app: NestFastifyApplication,
  org: SeededOrg,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await call(app, {
    method: 'POST',
    url: '/v1/agents',
    token: org.tokens.admin,
    body: { name, ...extra },
  });
  if (res.status !== 201) throw new Error(`creating agent ${name} failed: ${res.status} ${res.raw}`);
  return res.body.id as string;
}

/** A test policy: allow reads, pending for `rm`, deny anything with `secret` in the path; else not allowed. */
export const TEST_POLICY = `package mandate

default allow := false

allow if {
	input.tool.name == "read_file"
	not contains(input.arguments.path, "secret")
}

deny contains sprintf("path %s is secret", [input.arguments.path]) if contains(input.arguments.path, "secret")

default require_approval := null

require_approval := {"reason": "rm needs a human", "approvers": ["sre"]} if input.tool.name == "rm"

decision := {
	"allow": allow,
	"deny": deny,
	"require_approval": require_approval,
	"obligations": {"agent_trust": input.agent.trust, "digest": input.tool.digest, "gateway": input.context.gateway},
}
`;
