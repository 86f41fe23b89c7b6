import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { compile } from '@mandate/rego';
import type { ActivePolicy, ActivePolicyReaderPort } from './active-policy.port';

export const DECISION_ENTRYPOINT = 'mandate/decision';

/**
 * Stand-in for the policy store until libs/policies is wired: every organisation uses the baseline policy
 * compiled from the repository's `policies/` folder (revision 0). `getActive` always answers null.
 */
@Injectable()
export class BaselinePolicyReader implements ActivePolicyReaderPort {
  private baseline: Promise<ActivePolicy> | undefined;

  getActive(): Promise<ActivePolicy | null> {
    return Promise.resolve(null);
  }

  getBaseline(): Promise<ActivePolicy> {
    this.baseline ??= compileBaseline().catch((error: unknown) => {
      this.baseline = undefined; // retry on the next call
      throw error;
    });
    return this.baseline;
  }
}

async function compileBaseline(): Promise<ActivePolicy> {
  const folder = findPoliciesFolder(__dirname);
  const modules: Record<string, string> = {};
  for (const name of (await readdir(folder)).sort()) {
    if (name.endsWith('.rego') && !name.endsWith('_test.rego')) {
      modules[name] = await readFile(join(folder, name), 'utf8');
    }
  }
  const out = await compile({ modules, entrypoints: [DECISION_ENTRYPOINT] });
  return {
    orgId: '',
    revision: 0,
    versionId: 'baseline',
    wasm: out.wasm,
    entrypoint: DECISION_ENTRYPOINT,
    activatedAt: new Date(0),
  };
}

/** The repository's `policies/` folder, found by walking up from this file (source and dist layouts). */
function findPoliciesFolder(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'policies');
    if (existsSync(join(candidate, 'decision.rego'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('the baseline policy folder (policies/) was not found');
    dir = parent;
  }
}
