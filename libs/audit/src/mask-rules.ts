import { EventMasker, type MaskMode } from './event-masker';

/** Where a decision event (`tool_call.decided`) keeps the tool call's arguments. */
export const DECISION_ARGUMENTS_PATH = '$.data.input.arguments';

/** The obligation a policy returns to have arguments masked in the audit log (and hidden from approvers). */
export const REDACT_ARGUMENTS_OBLIGATION = 'redact_arguments';

/** Most masking paths one organisation may configure, and most a policy may add to one event. */
export const MAX_MASK_PATHS = 100;

/**
 * Masking paths asked for by a policy's `redact_arguments` obligation: an array of argument names
 * (`"password"`) or JSON paths relative to the arguments object (`"$.card.number"`, `"$..secret"`).
 * Anything else (not an array of strings, too many entries) masks every argument: a policy that wanted
 * something hidden must never see it logged because its rule was malformed.
 */
export function policyMaskPaths(obligations: Record<string, unknown> | null | undefined): string[] {
  const rule = obligations?.[REDACT_ARGUMENTS_OBLIGATION];
  if (rule === undefined || rule === null) return [];
  if (!Array.isArray(rule) || rule.length > MAX_MASK_PATHS || !rule.every((r) => typeof r === 'string')) {
    return [DECISION_ARGUMENTS_PATH];
  }
  return rule.map((r) =>
    r.startsWith('$')
      ? DECISION_ARGUMENTS_PATH + r.slice(1)
      : `${DECISION_ARGUMENTS_PATH}[${JSON.stringify(r)}]`,
  );
}

/** Throws a SyntaxError naming the first path that is not a valid masking path. */
export function validateMaskPaths(paths: readonly string[]): void {
  new EventMasker({ paths });
}

/**
 * EventMaskers by (mode, paths), built once and reused (parsing paths for every event would cost more
 * than masking). An invalid path — only a policy's can be, configured ones are validated on save —
 * yields a masker that hides `$.data.input.arguments` entirely (fail closed).
 */
export class MaskerCache {
  private readonly cache = new Map<string, EventMasker>();

  constructor(private readonly limit = 256) {}

  get(mode: MaskMode, paths: readonly string[]): EventMasker {
    const key = `${mode}\u0000${paths.join('\u0000')}`;
    let masker = this.cache.get(key);
    if (masker) return masker;
    try {
      masker = new EventMasker({ mode, paths });
    } catch {
      const valid = paths.filter((p) => {
        try {
          validateMaskPaths([p]);
          return true;
        } catch {
          return false;
        }
      });
      masker = new EventMasker({ mode, paths: [...valid, DECISION_ARGUMENTS_PATH] });
    }
    if (this.cache.size >= this.limit) this.cache.clear();
    this.cache.set(key, masker);
    return masker;
  }
}
