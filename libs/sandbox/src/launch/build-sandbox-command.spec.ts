import { describe, expect, it } from 'vitest';
import { parseSandboxProfileSpec, type SandboxProfileSpec } from '../profile/sandbox-profile';
import { buildSandboxCommand, type HostFileSystem, type SandboxHost } from './build-sandbox-command';
import { preflightSandbox } from './sandbox-preflight';
import { SandboxSetupError } from './sandbox-setup.error';

class FakeFileSystem implements HostFileSystem {
  constructor(
    private readonly dirs: string[],
    private readonly files: string[],
  ) {}
  kind(path: string): 'dir' | 'file' | 'missing' {
    if (this.dirs.includes(path)) return 'dir';
    if (this.files.includes(path)) return 'file';
    return 'missing';
  }
  realpath(path: string): string {
    return path === '/usr/local/bin/node' ? '/opt/node/bin/node' : path;
  }
}

const fs = new FakeFileSystem(
  ['/usr', '/lib', '/opt/node/bin', '/srv/data', '/srv/out', '/home/gw/.ssh', '/home/gw'],
  ['/usr/local/bin/node', '/opt/node/bin/node', '/usr/bin/python3', '/home/gw/.gateway.yaml'],
);
const host: SandboxHost = { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', homeDir: '/home/gw' };
const rootHost: SandboxHost = { ...host, setpriv: '/usr/bin/setpriv', runAs: { uid: 65534, gid: 65534 } };

function spec(input: Record<string, unknown>): SandboxProfileSpec {
  const parsed = parseSandboxProfileSpec(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.spec;
}

const launch = {
  command: 'node',
  args: ['server.js', '--root', '/srv/data'],
  env: { PATH: '/usr/local/bin:/usr/bin', API_TOKEN: 's3cret', AWS_SECRET_ACCESS_KEY: 'nope', LANG: 'C' },
  cwd: '/srv/data',
};

function pairsOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

describe('buildSandboxCommand', () => {
  it('confines with bwrap: namespaces, no capabilities, read-only root, writable list, hidden credentials, rlimits', () => {
    const s = spec({
      filesystem: { read: ['/srv/data'], write: ['/srv/out'], hide: ['~/.gateway.yaml'] },
      env: { allow: ['PATH', 'LANG'], secrets: ['API_TOKEN'], set: { MODE: 'sandboxed' } },
      limits: { cpuSeconds: 5, memoryBytes: 2 ** 30, openFiles: 512, processes: 16 },
    });
    const cmd = buildSandboxCommand(s, launch, host, { fs });
    expect(cmd.command).toBe('/usr/bin/bwrap');
    expect(cmd.args.slice(0, 5)).toEqual([
      '--die-with-parent',
      '--new-session',
      '--unshare-all',
      '--cap-drop',
      'ALL',
    ]);
    expect(cmd.args).not.toContain('--share-net');
    expect(pairsOf(cmd.args, '--ro-bind')).toEqual(['/', '/srv/data', '/dev/null']);
    expect(pairsOf(cmd.args, '--bind')).toEqual(['/srv/out']);
    expect(pairsOf(cmd.args, '--tmpfs')).toEqual(['/tmp', '/home/gw/.ssh']);
    expect(cmd.args.join(' ')).toContain('--perms 0000 --tmpfs /home/gw/.ssh');
    expect(cmd.args.join(' ')).toContain('--ro-bind /dev/null /home/gw/.gateway.yaml');
    const inner = cmd.args.slice(cmd.args.indexOf('--') + 1);
    expect(inner).toEqual([
      '/usr/bin/prlimit',
      '--cpu=5:6',
      `--as=${2 ** 30}`,
      '--nofile=512',
      '--nproc=16',
      '--core=0',
      '--',
      '/usr/local/bin/node',
      'server.js',
      '--root',
      '/srv/data',
    ]);
    expect(cmd.env).toEqual({
      PATH: '/usr/local/bin:/usr/bin',
      LANG: 'C',
      API_TOKEN: 's3cret',
      MODE: 'sandboxed',
    });
    expect(cmd.droppedEnv).toEqual(['AWS_SECRET_ACCESS_KEY']);
    expect(cmd.args.join(' ')).not.toContain('s3cret'); // secrets travel in the environment, never in argv
  });

  it('drops to an unprivileged uid through setpriv when the gateway runs as root', () => {
    const cmd = buildSandboxCommand(spec({}), launch, rootHost, { fs });
    expect(cmd.command).toBe('/usr/bin/setpriv');
    expect(cmd.args.slice(0, 6)).toEqual([
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--no-new-privs',
      '--',
      '/usr/bin/bwrap',
    ]);
  });

  it('does not mount over hidden paths the unprivileged sandbox user cannot reach anyway', () => {
    const rootOnly = new (class extends FakeFileSystem {
      reachable(path: string): boolean {
        return !path.startsWith('/home/gw/');
      }
    })(
      ['/usr', '/lib', '/opt/node/bin', '/srv/data', '/home/gw/.ssh', '/home/gw'],
      ['/usr/local/bin/node', '/opt/node/bin/node'],
    );
    const asRoot = buildSandboxCommand(spec({}), launch, rootHost, { fs: rootOnly });
    expect(asRoot.args.join(' ')).not.toContain('/home/gw/.ssh');
    // Without a drop to another user the same path is hidden as usual.
    const asUser = buildSandboxCommand(spec({}), launch, host, { fs: rootOnly });
    expect(asUser.args.join(' ')).toContain('--tmpfs /home/gw/.ssh');
  });

  it('without a read-only root binds only system paths, the interpreter directory and the read list', () => {
    const cmd = buildSandboxCommand(
      spec({ filesystem: { readOnlyRoot: false, read: ['/srv/data'] } }),
      launch,
      host,
      {
        fs,
      },
    );
    expect(pairsOf(cmd.args, '--ro-bind')).toEqual(['/usr', '/lib', '/opt/node/bin', '/srv/data']);
  });

  it('adds Node permission flags for node servers', () => {
    const cmd = buildSandboxCommand(
      spec({
        filesystem: { readOnlyRoot: false, read: ['/srv/data'], write: ['/srv/out'] },
        nodePermissions: true,
      }),
      launch,
      host,
      { fs, nodePermissionFlag: '--experimental-permission' },
    );
    const inner = cmd.args.slice(cmd.args.indexOf('/usr/local/bin/node') + 1);
    expect(inner).toEqual([
      '--experimental-permission',
      '--allow-fs-read=/srv/data',
      '--allow-fs-read=/srv/out',
      '--allow-fs-read=/opt/node/bin',
      '--allow-fs-write=/srv/out',
      'server.js',
      '--root',
      '/srv/data',
    ]);
  });

  it('with an allowlist and the gateway’s egress proxy: runs the forwarder first, binds its socket, sets the proxy', () => {
    const cmd = buildSandboxCommand(
      spec({ network: { mode: 'allowlist', hosts: ['api.example.com'] } }),
      launch,
      host,
      {
        fs,
        egress: { socketDir: '/tmp/egress-1', socketPath: '/tmp/egress-1/proxy.sock', port: 3128 },
        forwarderNode: '/usr/local/bin/node',
      },
    );
    expect(cmd.args.join(' ')).toContain('--bind /tmp/egress-1 /tmp/egress-1');
    expect(cmd.args).toContain('--unshare-all');
    expect(cmd.args).not.toContain('--share-net');
    const inner = cmd.args.slice(cmd.args.indexOf('--core=0') + 2);
    expect(inner.slice(0, 2)).toEqual(['/usr/local/bin/node', '-e']);
    expect(inner.slice(3, 7)).toEqual(['--', '3128', '/tmp/egress-1/proxy.sock', '/usr/local/bin/node']);
    expect(cmd.env).toMatchObject({ HTTPS_PROXY: 'http://127.0.0.1:3128', NO_PROXY: 'localhost,127.0.0.1' });
  });

  it.each([
    [{ network: { mode: 'allowlist', hosts: ['api.example.com'] } }, launch, 'network_allowlist_unsupported'],
    [{ filesystem: { read: ['/srv/missing'] } }, launch, 'path_missing'],
    [{ env: { secrets: ['GITHUB_TOKEN'] } }, launch, 'secret_missing'],
    [{}, { ...launch, command: 'no-such-server' }, 'command_not_found'],
    [{}, { ...launch, command: './relative.js' }, 'command_not_found'],
    [{ filesystem: { readOnlyRoot: false } }, launch, 'cwd_not_visible'],
    [{}, { ...launch, cwd: '/home/gw/.ssh' }, 'cwd_not_visible'],
    [{ nodePermissions: true }, { ...launch, command: '/usr/bin/python3' }, 'node_permissions_not_node'],
  ])('fails closed with a reason: %j', (input, l, reason) => {
    const error = (() => {
      try {
        buildSandboxCommand(spec(input), l, host, { fs });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SandboxSetupError);
    expect((error as SandboxSetupError).reason).toBe(reason);
  });
});

describe('preflightSandbox', () => {
  it('fails closed when bubblewrap is not installed', async () => {
    const empty: HostFileSystem = { kind: () => 'missing', realpath: (p) => p };
    await expect(preflightSandbox({ fs: empty })).rejects.toMatchObject({ reason: 'bwrap_missing' });
  });
});
