import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SandboxProfileEntity, type ViolationReaction } from './sandbox-profile.entity';
import { SandboxQuarantineEntity } from './sandbox-quarantine.entity';

/** The profile that applies to one server. */
export interface ResolvedSandboxProfile {
  id: string;
  name: string;
  revision: number;
  digest: string;
  spec: Record<string, unknown>;
  onViolation: ViolationReaction;
  /** True when the server has no profile of its own and the organisation's default applies. */
  viaDefault: boolean;
}

export interface ResolvedQuarantine {
  kind: string;
  detail: string;
  since: Date;
}

export interface SandboxResolution {
  profile: ResolvedSandboxProfile | null;
  quarantine: ResolvedQuarantine | null;
}

interface OrgState {
  loadedAt: number;
  byServer: Map<string, SandboxProfileEntity>;
  fallback: SandboxProfileEntity | null;
  quarantines: Map<string, SandboxQuarantineEntity>;
}

/** How long a replica may use an organisation's profiles before reloading them (changes here apply at once). */
export const SANDBOX_DIRECTORY_TTL_MS = 1000;
const MAX_CACHED_ORGS = 10_000;

/**
 * Read side for the decision stage and the gateways' resolve endpoint: an organisation's profiles and
 * quarantines, loaded in two small queries and kept for {@link SANDBOX_DIRECTORY_TTL_MS}.
 */
@Injectable()
export class SandboxDirectory {
  private readonly orgs = new Map<string, OrgState>();
  private readonly loading = new Map<string, Promise<OrgState>>();

  constructor(private readonly dataSource: DataSource) {}

  async resolve(orgId: string, server: string, fresh = false): Promise<SandboxResolution> {
    const state = await this.state(orgId, fresh);
    const own = state.byServer.get(server);
    const entity = own ?? state.fallback;
    const quarantine = state.quarantines.get(server);
    return {
      profile: entity
        ? {
            id: entity.id,
            name: entity.name,
            revision: entity.revision,
            digest: entity.digest,
            spec: entity.spec,
            onViolation: entity.onViolation,
            viaDefault: own === undefined,
          }
        : null,
      quarantine: quarantine
        ? { kind: quarantine.kind, detail: quarantine.detail, since: quarantine.createdAt }
        : null,
    };
  }

  invalidate(orgId: string): void {
    this.orgs.delete(orgId);
  }

  private async state(orgId: string, fresh: boolean): Promise<OrgState> {
    const cached = this.orgs.get(orgId);
    if (!fresh && cached && Date.now() - cached.loadedAt < SANDBOX_DIRECTORY_TTL_MS) return cached;
    const pending = this.loading.get(orgId);
    if (pending && !fresh) return pending;
    const load = this.load(orgId).finally(() => this.loading.delete(orgId));
    this.loading.set(orgId, load);
    return load;
  }

  private async load(orgId: string): Promise<OrgState> {
    const [profiles, quarantines] = await Promise.all([
      this.dataSource.getRepository(SandboxProfileEntity).findBy({ orgId }),
      this.dataSource.getRepository(SandboxQuarantineEntity).findBy({ orgId }),
    ]);
    const byServer = new Map<string, SandboxProfileEntity>();
    for (const profile of profiles) for (const server of profile.servers) byServer.set(server, profile);
    const state: OrgState = {
      loadedAt: Date.now(),
      byServer,
      fallback: profiles.find((p) => p.isDefault) ?? null,
      quarantines: new Map(quarantines.map((q) => [q.server, q])),
    };
    if (this.orgs.size >= MAX_CACHED_ORGS) this.orgs.clear();
    this.orgs.set(orgId, state);
    return state;
  }
}
