import { toolDigest } from '@mandate/gates';
import { describe, expect, it } from 'vitest';
import { presentDefinition } from './tool-definition-view';

describe('presentDefinition', () => {
  it('keeps only the pinned fields and digests them, whatever the key order and memoisation', () => {
    const raw = { name: 't', description: 'd', inputSchema: { type: 'object' }, _meta: { x: 1 }, icons: [] };
    const first = presentDefinition(raw);
    expect(first?.definition).toEqual({ name: 't', description: 'd', inputSchema: { type: 'object' } });
    expect(first?.digest).toBe(toolDigest({ name: 't', description: 'd', inputSchema: { type: 'object' } }));
    // The same definition again (memoised), and with another key order: one digest.
    expect(presentDefinition(raw)?.digest).toBe(first?.digest);
    expect(presentDefinition({ inputSchema: { type: 'object' }, description: 'd', name: 't' })?.digest).toBe(
      first?.digest,
    );
    // Any change of a pinned field changes it.
    expect(presentDefinition({ ...raw, description: 'D' })?.digest).not.toBe(first?.digest);
  });
});
