import { describe, expect, it } from 'vitest';
import { defaultSandboxProfileSpec, parseSandboxProfileSpec } from './sandbox-profile';

describe('parseSandboxProfileSpec', () => {
  it('fills safe defaults', () => {
    expect(defaultSandboxProfileSpec()).toMatchObject({
      filesystem: { readOnlyRoot: true, read: [], write: [], hide: [] },
      network: { mode: 'none', hosts: [] },
      env: { allow: [], set: {}, secrets: [] },
      nodePermissions: false,
    });
  });

  it.each([
    [{ filesystem: { write: ['relative/dir'] } }, 'filesystem.write.0'],
    [{ filesystem: { read: ['/srv/../etc'] } }, 'filesystem.read.0'],
    [{ filesystem: { hide: ['/a//b'] } }, 'filesystem.hide.0'],
    [{ network: { mode: 'allowlist' } }, 'network.hosts'],
    [{ network: { mode: 'none', hosts: ['example.com'] } }, 'network.hosts'],
    [{ network: { mode: 'allowlist', hosts: ['bad host'] } }, 'network.hosts.0'],
    [{ env: { allow: ['NOT-A-NAME'] } }, 'env.allow.0'],
    [{ limits: { cpuSeconds: 0 } }, 'limits.cpuSeconds'],
    [{ limits: { memoryBytes: 1024 } }, 'limits.memoryBytes'],
    [{ unknown: true }, ''],
  ])('rejects %j at %s', (input, path) => {
    const parsed = parseSandboxProfileSpec(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toContain(path);
  });

  it('rejects non-objects and accepts ~/ paths', () => {
    expect(parseSandboxProfileSpec('x').ok).toBe(false);
    expect(parseSandboxProfileSpec([]).ok).toBe(false);
    expect(parseSandboxProfileSpec({ filesystem: { hide: ['~/.config/app', '/'] } }).ok).toBe(true);
  });
});
