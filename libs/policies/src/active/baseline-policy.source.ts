import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { isTestFile } from '../compile/policy-files';

/** Folder of the built-in policies: the nearest `policies/` folder above this file holding `.rego` files. */
export function findBaselineDir(from: string = __dirname): string | null {
  let dir = from;
  for (let i = 0; i < 8; i += 1) {
    const candidate = join(dir, 'policies');
    if (existsSync(candidate) && statSync(candidate).isDirectory() && regoFiles(candidate).length > 0) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/** The baseline policy's sources: every `.rego` file below `dir` except `*_test.rego`, by `policies/…` name. */
export function readBaselineFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of regoFiles(dir)) {
    const name = `policies/${relative(dir, path).split(sep).join('/')}`;
    if (!isTestFile(name)) files[name] = readFileSync(path, 'utf8');
  }
  return files;
}

function regoFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.rego'))
    .map((name) => join(dir, name))
    .sort();
}
