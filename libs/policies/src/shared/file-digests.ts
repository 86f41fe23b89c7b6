import { createHash } from 'node:crypto';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** File name → SHA-256 of its text: what events record about sources (never the sources themselves). */
export function fileDigests(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [name, sha256Hex(text)]));
}
