import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import { DataSource } from 'typeorm';
import { DECISION_ENTRYPOINT } from '../compile/policy-limits';

/** A compiled policy module that is not (necessarily) the active one: the draft or a stored version. */
export interface PolicyModule {
  kind: 'draft' | 'version';
  /** The version id, or null for the draft. */
  versionId: string | null;
  /** The version number, or null for the draft. */
  number: number | null;
  wasm: Uint8Array;
  entrypoint: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads the compiled module of the organisation's draft (`"draft"`) or of one of its versions (a version
 * id), for evaluating a policy outside the decision path (impact replay). Another organisation's version,
 * like a missing one, is a 404; a draft that does not compile is a 409 with its errors.
 */
@Injectable()
export class PolicyModuleReader {
  constructor(private readonly dataSource: DataSource) {}

  async read(orgId: string, id: string): Promise<PolicyModule> {
    if (id === 'draft') {
      const rows = await this.dataSource.query<
        Array<{ valid: boolean; wasm: Buffer | null; errors: unknown }>
      >(`SELECT valid, wasm, errors FROM policy_drafts WHERE org_id = $1`, [orgId]);
      const draft = rows[0];
      if (draft === undefined) throw new DomainError(ErrorCode.NotFound, 'There is no draft: save one first');
      if (!draft.valid || draft.wasm === null) {
        throw new DomainError(ErrorCode.Conflict, 'The draft does not compile; fix its errors first', {
          errors: draft.errors,
        });
      }
      return {
        kind: 'draft',
        versionId: null,
        number: null,
        wasm: new Uint8Array(draft.wasm),
        entrypoint: DECISION_ENTRYPOINT,
      };
    }
    if (!UUID.test(id)) {
      throw new DomainError(ErrorCode.BadRequest, 'The id must be "draft" or a version id', { field: 'id' });
    }
    const rows = await this.dataSource.query<
      Array<{ id: string; number: number; wasm: Buffer; entrypoint: string }>
    >(`SELECT id, number, wasm, entrypoint FROM policy_versions WHERE org_id = $1 AND id = $2`, [orgId, id]);
    const version = rows[0];
    if (version === undefined) throw new DomainError(ErrorCode.NotFound, 'Policy version not found');
    return {
      kind: 'version',
      versionId: version.id,
      number: version.number,
      wasm: new Uint8Array(version.wasm),
      entrypoint: version.entrypoint,
    };
  }
}
