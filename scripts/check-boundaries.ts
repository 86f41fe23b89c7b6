/**
 * Checks the import boundaries ARCHITECTURE.md states, and exits 1 on any violation:
 * - libs never import apps;
 * - libs/rego imports nothing of the project outside itself;
 * - a lib reaches another lib only through its public face (`@mandate/<lib>`), never by a relative path
 *   into its folder or a deep `@mandate/<lib>/…` import;
 * - apps reach libs only through `@mandate/<lib>`;
 * - no import cycles between libs.
 * Run: `node dist/scripts/check-boundaries.js` (after `npm run build`) or via `npm run check:boundaries`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(__dirname, '..', '..');
const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'assembly') continue;
    const st = statSync(full);
    if (st.isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** 'libs/rego' / 'apps/server' for a file in the repo, or undefined. */
function unitOf(file: string): string | undefined {
  const parts = relative(root, file).split(sep);
  if ((parts[0] === 'libs' || parts[0] === 'apps') && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return undefined;
}

const violations: string[] = [];
const libEdges = new Map<string, Set<string>>();

for (const top of ['libs', 'apps']) {
  for (const file of sourceFiles(join(root, top))) {
    const from = unitOf(file);
    if (!from) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importPattern)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? '';
      let target: string | undefined;
      if (spec.startsWith('@mandate/')) {
        const rest = spec.slice('@mandate/'.length);
        if (rest.includes('/')) violations.push(`${relative(root, file)}: deep import '${spec}' (use the lib's index)`);
        target = `libs/${rest.split('/')[0]}`;
      } else if (spec.startsWith('.')) {
        target = unitOf(resolve(dirname(file), spec));
        if (target && target !== from) {
          violations.push(`${relative(root, file)}: relative import '${spec}' reaches into ${target}`);
        }
      }
      if (!target || target === from) continue;
      if (from.startsWith('libs/') && target.startsWith('apps/')) {
        violations.push(`${relative(root, file)}: a lib imports an app (${target})`);
      }
      if (from === 'libs/rego') violations.push(`${relative(root, file)}: libs/rego imports ${target}`);
      if (from.startsWith('libs/') && target.startsWith('libs/')) {
        if (!libEdges.has(from)) libEdges.set(from, new Set());
        libEdges.get(from)!.add(target);
      }
    }
  }
}

// Cycle detection over the lib graph (depth-first, reporting each cycle once).
const state = new Map<string, 'open' | 'done'>();
function visit(node: string, stack: string[]): void {
  if (state.get(node) === 'done') return;
  if (state.get(node) === 'open') {
    violations.push(`import cycle: ${[...stack.slice(stack.indexOf(node)), node].join(' → ')}`);
    return;
  }
  state.set(node, 'open');
  for (const next of libEdges.get(node) ?? []) visit(next, [...stack, node]);
  state.set(node, 'done');
}
for (const node of libEdges.keys()) visit(node, []);

if (violations.length > 0) {
  console.error(`Import boundary violations (${violations.length}):\n  ${violations.join('\n  ')}`);
  process.exit(1);
}
console.log(`Import boundaries hold (${libEdges.size} libs with dependencies checked).`);
