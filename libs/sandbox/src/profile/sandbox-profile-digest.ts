import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { SandboxProfileSpec } from './sandbox-profile';

/** `sha256:<hex>` of the RFC 8785 canonical JSON of a normalised spec. */
export function sandboxProfileDigest(spec: SandboxProfileSpec): string {
  const text = canonicalize(spec) ?? 'null';
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
