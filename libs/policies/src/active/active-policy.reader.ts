import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PolicyCompiler } from '../compile/policy-compiler';
import { DECISION_ENTRYPOINT } from '../compile/policy-limits';
import type { ActivePolicy } from './active-policy';
import { findBaselineDir, readBaselineFiles } from './baseline-policy.source';

/** Optional override of the folder the baseline policy is read from (default: the repository's `policies/`). */
export const BASELINE_POLICY_DIR = Symbol('BASELINE_POLICY_DIR');

/**
 * Reads the active compiled policy of an organisation for the decision service, and the baseline policy
 * (compiled from `policies/` at first use, cached) for organisations that never activated one.
 */
@Injectable()
export class ActivePolicyReader {
  private baseline: Promise<ActivePolicy> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly compiler: PolicyCompiler,
    @Optional() @Inject(BASELINE_POLICY_DIR) private readonly baselineDir?: string,
  ) {}

  /** The organisation's active policy, or null when it never activated one (use getBaseline()). */
  async getActive(orgId: string): Promise<ActivePolicy | null> {
    const rows = await this.dataSource.query<
      Array<{ revision: number; version_id: string; wasm: Buffer; entrypoint: string; activated_at: Date }>
    >(
      `SELECT h.revision, h.version_id, v.wasm, v.entrypoint, h.activated_at
         FROM policy_heads h JOIN policy_versions v ON v.id = h.version_id AND v.org_id = h.org_id
        WHERE h.org_id = $1`,
      [orgId],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      orgId,
      revision: row.revision,
      versionId: row.version_id,
      wasm: new Uint8Array(row.wasm),
      entrypoint: row.entrypoint,
      activatedAt: new Date(row.activated_at),
    };
  }

  /** The active revision only (0 = never activated): cheap enough to poll every second. */
  async getActiveRevision(orgId: string): Promise<number> {
    const rows = await this.dataSource.query<Array<{ revision: number }>>(
      `SELECT revision FROM policy_heads WHERE org_id = $1`,
      [orgId],
    );
    return rows[0]?.revision ?? 0;
  }

  /**
   * The baseline policy (revision 0) compiled from `policies/*.rego` without the `*_test.rego` files, once.
   * Rejects with a clear error when the folder is missing or has no `mandate/decision` rule: the caller must
   * then deny, never allow.
   */
  getBaseline(): Promise<ActivePolicy> {
    if (this.baseline === null) {
      this.baseline = this.compileBaseline();
      // A failure is not cached: the next call tries again (e.g. after the files were fixed).
      this.baseline.catch(() => {
        this.baseline = null;
      });
    }
    return this.baseline;
  }

  private async compileBaseline(): Promise<ActivePolicy> {
    const dir = this.baselineDir ?? findBaselineDir();
    if (dir === null) throw new Error('Baseline policy not found: no policies/ folder with .rego files');
    const files = readBaselineFiles(dir);
    const outcome = await this.compiler.compile(files);
    if (!outcome.ok) {
      const detail = outcome.errors
        .map((e) => `${e.file}:${e.row}:${e.col}: ${e.code}: ${e.message}`)
        .join('; ');
      throw new Error(`Baseline policy in ${dir} is unusable: ${detail}`);
    }
    return {
      orgId: '',
      revision: 0,
      versionId: 'baseline',
      wasm: outcome.wasm,
      entrypoint: DECISION_ENTRYPOINT,
      activatedAt: new Date(),
    };
  }
}
