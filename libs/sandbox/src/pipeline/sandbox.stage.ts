import { Injectable } from '@nestjs/common';
import { denied, type DecisionDraft, type DecisionOutcome, type DecisionStage } from '@mandate/decisions';
import { SandboxDirectory } from '../store/sandbox-directory';

/**
 * Decision stage `sandbox` (order 50): records the sandbox profile the server runs under with every
 * decision (`facts.sandboxProfile`, so the audit log shows it), exposes it to policies as
 * `input.context.sandbox` (`{profile, digest, revision, network, quarantined}`; `profile` null when the
 * server is not sandboxed) and denies every call to a quarantined server (`sandbox_quarantined`).
 */
@Injectable()
export class SandboxStage implements DecisionStage {
  readonly name = 'sandbox';
  readonly order = 50;

  constructor(private readonly directory: SandboxDirectory) {}

  async prepare(draft: DecisionDraft): Promise<DecisionOutcome | void> {
    const { profile, quarantine } = await this.directory.resolve(
      draft.caller.orgId,
      draft.request.server.name,
    );
    draft.facts['sandboxProfile'] = profile
      ? { id: profile.id, name: profile.name, revision: profile.revision, digest: profile.digest }
      : null;
    const network = (profile?.spec['network'] as { mode?: unknown } | undefined)?.mode;
    draft.input.context['sandbox'] = {
      profile: profile?.name ?? null,
      digest: profile?.digest ?? null,
      revision: profile?.revision ?? null,
      network: typeof network === 'string' ? network : null,
      quarantined: quarantine !== null,
    };
    if (quarantine !== null) {
      return denied(
        'sandbox_quarantined',
        `server ${draft.request.server.name} is quarantined after a sandbox violation (${quarantine.kind})`,
      );
    }
  }
}
