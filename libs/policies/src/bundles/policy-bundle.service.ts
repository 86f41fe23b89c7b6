import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import type { Principal } from '@mandate/identity';
import { PolicyCompiler } from '../compile/policy-compiler';
import { checkPolicyFiles } from '../compile/policy-files';
import { DECISION_ENTRYPOINT } from '../compile/policy-limits';
import type { RequestMeta } from '../shared/request-meta';
import type { PolicyVersionEntity } from '../store/policy-version.entity';
import { PolicyVersionService } from '../versions/policy-version.service';
import { readBundle } from './bundle-reader';

interface BundleManifest {
  revision?: unknown;
  wasm?: unknown;
}

/**
 * Stores a prebuilt OPA bundle (`opa build -t wasm`, or `mandate policy build`) as a version: `/policy.wasm`
 * must load under opa-wasm, expose `mandate/decision` and evaluate a sample input; `/.manifest` (optional)
 * must be JSON; `/data.json` must be absent or `{}` (Mandate evaluates without base data). Rego sources in
 * the bundle are kept with the version (for diffs and the test run at activation).
 */
@Injectable()
export class PolicyBundleService {
  constructor(
    private readonly compiler: PolicyCompiler,
    private readonly versions: PolicyVersionService,
  ) {}

  async upload(
    principal: Principal,
    gz: Buffer,
    message: string | null,
    meta: RequestMeta = {},
  ): Promise<PolicyVersionEntity> {
    const invalid = (text: string, details: Record<string, unknown> = {}) =>
      new DomainError(ErrorCode.ValidationFailed, text, { field: 'bundle', ...details });
    const entries = await readBundle(gz);
    const wasm = entries.get('policy.wasm');
    if (wasm === undefined) throw invalid('The bundle has no /policy.wasm (build it with `-t wasm`)');
    let manifest: BundleManifest = {};
    const manifestText = entries.get('.manifest');
    if (manifestText !== undefined) {
      try {
        manifest = JSON.parse(manifestText.toString('utf8')) as BundleManifest;
      } catch {
        throw invalid('The bundle /.manifest is not valid JSON');
      }
      if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
        throw invalid('The bundle /.manifest must be a JSON object');
      }
    }
    const data = entries.get('data.json');
    if (data !== undefined && !isEmptyObject(data)) {
      throw invalid(
        'Bundles with base data (a non-empty /data.json) are not supported; inline the data in Rego',
      );
    }
    const sources: Record<string, string> = {};
    for (const [name, content] of entries) {
      if (name.endsWith('.rego')) sources[name] = content.toString('utf8');
    }
    const files = checkPolicyFiles(sources);
    const problem = await this.compiler.validateWasm(new Uint8Array(wasm));
    if (problem !== null) throw invalid(problem.message, { error: problem });
    const revision = typeof manifest.revision === 'string' ? manifest.revision.slice(0, 200) : null;
    return this.versions.createFromModule(
      principal,
      {
        source: 'bundle',
        files,
        wasm,
        message,
        eventData: {
          bundle: { manifestRevision: revision, bytes: gz.length, entrypoint: DECISION_ENTRYPOINT },
        },
      },
      meta,
    );
  }
}

function isEmptyObject(data: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    return (
      typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
    );
  } catch {
    return false;
  }
}
