import { CRYPTO_BUILTINS } from './crypto.builtins';
import { MISC_BUILTINS } from './misc.builtins';
import { NET_BUILTINS } from './net.builtins';
import { PATTERN_BUILTINS } from './pattern.builtins';
import { SCHEMA_BUILTINS } from './schema.builtins';
import { sprintfBuiltin } from './sprintf.builtin';
import { TIME_BUILTINS } from './time.builtins';
import { X509_BUILTINS } from './x509.builtins';

/** A host builtin as `@open-policy-agent/opa-wasm` calls it: JSON arguments in, JSON result (or undefined) out. */
export type HostBuiltin = (...args: unknown[]) => unknown;

/** Builtin errors are undefined (OPA's non-strict mode): an implementation that throws yields undefined. */
function nonStrict(fn: HostBuiltin): HostBuiltin {
  return (...args) => {
    try {
      return fn(...args);
    } catch {
      return undefined;
    }
  };
}

const ALL: Record<string, HostBuiltin> = {
  sprintf: (format, values) => sprintfBuiltin(format, values),
  ...MISC_BUILTINS,
  ...NET_BUILTINS,
  ...PATTERN_BUILTINS,
  ...CRYPTO_BUILTINS,
  ...TIME_BUILTINS,
  ...SCHEMA_BUILTINS,
  ...X509_BUILTINS,
};

/**
 * Host implementations by Rego name. Builtins the runtime implements natively are used natively; these serve
 * the others (and stand in for natives the runtime does not export yet, e.g. `glob.match` or `regex.match`).
 */
export const HOST_BUILTINS: Readonly<Record<string, HostBuiltin>> = Object.fromEntries(
  Object.entries(ALL).map(([name, fn]) => [name, nonStrict(fn)]),
);

/**
 * Builtins that `@open-policy-agent/opa-wasm` implements itself: its own implementation wins over custom
 * builtins of the same name, so Mandate's modules import these under `mandate.` + name.
 */
const SHADOWED_BY_NPM = new Set([
  'sprintf',
  'json.is_valid',
  'regex.split',
  'yaml.is_valid',
  'yaml.marshal',
  'yaml.unmarshal',
]);

/** The name a host builtin has in a module's `builtins()` export (and in compile()'s `builtins` map). */
export function hostImportName(name: string): string {
  return SHADOWED_BY_NPM.has(name) ? `mandate.${name}` : name;
}
