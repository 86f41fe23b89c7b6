import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@mandate/identity';
import { DataSource } from 'typeorm';
import { PolicyCompiler } from '../compile/policy-compiler';
import { checkPolicyFiles } from '../compile/policy-files';
import { fileDigests } from '../shared/file-digests';
import { PolicyEventType } from '../shared/policy-event-type';
import { PolicyEvents } from '../shared/policy-events';
import type { RequestMeta } from '../shared/request-meta';
import { PolicyDraftEntity } from '../store/policy-draft.entity';

/** The organisation's draft: saved as given, compiled on every save (errors are kept with it). */
@Injectable()
export class PolicyDraftService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly compiler: PolicyCompiler,
    private readonly events: PolicyEvents,
  ) {}

  /** The draft, or null when the organisation never saved one. */
  get(principal: Principal): Promise<PolicyDraftEntity | null> {
    return this.dataSource.getRepository(PolicyDraftEntity).findOneBy({ orgId: principal.orgId });
  }

  async save(principal: Principal, input: unknown, meta: RequestMeta = {}): Promise<PolicyDraftEntity> {
    const files = checkPolicyFiles(input);
    const outcome = await this.compiler.compile(files);
    const actor = actorOf(principal);
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO policy_drafts (org_id, files, valid, errors, wasm, updated_by_type, updated_by_id)
         VALUES ($1, $2::jsonb, $3, $4::jsonb, $5, $6, $7)
         ON CONFLICT (org_id) DO UPDATE SET files = EXCLUDED.files, valid = EXCLUDED.valid,
           errors = EXCLUDED.errors, wasm = EXCLUDED.wasm, updated_by_type = EXCLUDED.updated_by_type,
           updated_by_id = EXCLUDED.updated_by_id, updated_at = now()`,
        [
          principal.orgId,
          JSON.stringify(files),
          outcome.ok,
          JSON.stringify(outcome.errors),
          outcome.wasm === null ? null : Buffer.from(outcome.wasm),
          actor.type,
          actor.id,
        ],
      );
      const draft = await manager
        .getRepository(PolicyDraftEntity)
        .findOneByOrFail({ orgId: principal.orgId });
      await this.events.publish(
        manager,
        principal,
        PolicyEventType.DraftSaved,
        { type: 'policy_draft', id: principal.orgId },
        { files: fileDigests(files), valid: outcome.ok, errorCount: outcome.errors.length },
        meta,
      );
      return draft;
    });
  }
}
