import type { Location, Module, Term } from '../ast/ast';
import { parseModule } from '../parser/rego.parser';

/** A `test_` rule found in the sources. */
export interface TestRule {
  /** Full name as OPA prints it: `data.<package>.<rule>`. */
  name: string;
  /** Entrypoint path below `data` (`mandate/test_allow_read`). */
  entrypoint: string;
  /** Where the (first) definition of the rule starts. */
  location: Location;
}

function packageSegments(module: Module): string[] | undefined {
  const out: string[] = [];
  for (const term of module.package.path.slice(1)) {
    if (term.type !== 'string') return undefined;
    out.push(term.value);
  }
  return out;
}

function ruleName(ref: Term[]): string | undefined {
  const head = ref[0];
  return ref.length === 1 && head.type === 'var' ? head.name : undefined;
}

/**
 * Parses the modules and lists every single-value rule whose name starts with `test_` (as `opa test` does; a
 * function named `test_…` is not a test). Files that do not parse are skipped: the compilation that follows
 * reports their errors. Tests are sorted by file, then row.
 */
export function findTestRules(modules: Record<string, string>): TestRule[] {
  const byName = new Map<string, TestRule>();
  for (const file of Object.keys(modules).sort()) {
    let module: Module;
    try {
      module = parseModule(file, modules[file]);
    } catch {
      continue;
    }
    const pkg = packageSegments(module);
    if (!pkg) continue;
    for (const rule of module.rules) {
      const name = ruleName(rule.head.ref);
      if (!name?.startsWith('test_') || rule.head.kind !== 'single') continue;
      const path = [...pkg, name];
      const full = `data.${path.join('.')}`;
      if (!byName.has(full)) {
        byName.set(full, { name: full, entrypoint: path.join('/'), location: rule.loc });
      }
    }
  }
  return [...byName.values()];
}
