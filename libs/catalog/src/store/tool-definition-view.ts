import { PINNED_FIELDS, toolDigest, type ToolDefinition } from '@mandate/gates';

/** A definition reduced to the pinned fields (what is digested, stored and diffed), with its digest. */
export interface PresentedDefinition {
  definition: Record<string, unknown>;
  digest: string;
}

/** Definitions up to this size (as JSON text) are memoised; gateways present the same ones again and again. */
const MEMO_MAX_TEXT = 16 * 1024;
const MEMO_MAX_ENTRIES = 2000;
const memo = new Map<string, PresentedDefinition>();

/**
 * The pinned view of a definition a gateway presented (`name`, `title`, `description`, `inputSchema`,
 * `outputSchema`, `annotations`; anything else, such as `_meta`, is not pinned), or null when it cannot be
 * canonicalised. Memoised by the exact JSON text of the pinned view (the digest is a function of it), so
 * the hot path canonicalises and hashes each distinct definition once.
 */
export function presentDefinition(raw: Record<string, unknown>): PresentedDefinition | null {
  const definition: Record<string, unknown> = {};
  for (const field of PINNED_FIELDS) {
    if (raw[field] !== undefined) definition[field] = raw[field];
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(definition);
  } catch {
    return null;
  }
  const cacheable = text.length <= MEMO_MAX_TEXT;
  if (cacheable) {
    const known = memo.get(text);
    if (known) return { definition, digest: known.digest };
  }
  let digest: string;
  try {
    digest = toolDigest(definition as unknown as ToolDefinition);
  } catch {
    return null;
  }
  if (cacheable) {
    if (memo.size >= MEMO_MAX_ENTRIES) {
      const oldest = memo.keys().next().value;
      if (oldest !== undefined) memo.delete(oldest);
    }
    memo.set(text, { definition, digest });
  }
  return { definition, digest };
}
