import { execFile } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { posix } from 'node:path';
import type { HostFileSystem, SandboxHost } from './build-sandbox-command';
import { SandboxSetupError } from './sandbox-setup.error';

/** Where the preflight looks for bwrap, prlimit and setpriv (system directories only, never the caller's PATH). */
export const SYSTEM_BIN_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/** The uid/gid a root gateway drops to inside the sandbox (nobody/nogroup). */
export const DEFAULT_RUN_AS = { uid: 65534, gid: 65534 } as const;

/** The real host file system. */
export const nodeHostFileSystem: HostFileSystem = {
  kind(path) {
    try {
      const stat = statSync(path);
      return stat.isDirectory() ? 'dir' : 'file';
    } catch {
      return 'missing';
    }
  },
  realpath(path) {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  },
  reachable(path, user) {
    let dir = posix.dirname(posix.resolve(path));
    for (;;) {
      try {
        const stat = statSync(dir);
        const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
        if ((stat.mode & bit) === 0) return false;
      } catch {
        return false;
      }
      if (dir === '/') return true;
      dir = posix.dirname(dir);
    }
  },
};

export interface PreflightOptions {
  /** Overrides the uid/gid used when the gateway runs as root. */
  readonly runAs?: { uid: number; gid: number };
  readonly homeDir?: string;
  readonly fs?: HostFileSystem;
}

/**
 * Finds bubblewrap and prlimit and proves that a sandbox can be created here (user namespaces, mounts,
 * dropping to an unprivileged uid when running as root) by running `true` inside one. Throws
 * {@link SandboxSetupError} with the reason otherwise: the caller must not start sandboxed servers.
 */
export async function preflightSandbox(options: PreflightOptions = {}): Promise<SandboxHost> {
  const fs = options.fs ?? nodeHostFileSystem;
  const find = (name: string): string | undefined =>
    SYSTEM_BIN_DIRS.map((d) => posix.join(d, name)).find((p) => fs.kind(p) === 'file');
  const bwrap = find('bwrap');
  if (!bwrap) {
    throw new SandboxSetupError(
      'bwrap_missing',
      'bubblewrap (bwrap) is not installed; install the bubblewrap package',
    );
  }
  const prlimit = find('prlimit');
  if (!prlimit) {
    throw new SandboxSetupError(
      'prlimit_missing',
      'prlimit is not installed; install the util-linux package',
    );
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let host: SandboxHost = { bwrap, prlimit, homeDir: options.homeDir ?? homedir() };
  if (isRoot) {
    const setpriv = find('setpriv');
    if (!setpriv) {
      throw new SandboxSetupError(
        'setpriv_missing',
        'the gateway runs as root and setpriv (util-linux) is missing to drop privileges',
      );
    }
    host = { ...host, setpriv, runAs: options.runAs ?? DEFAULT_RUN_AS };
  }
  const probe = host.setpriv
    ? [
        host.setpriv,
        [
          `--reuid=${host.runAs?.uid}`,
          `--regid=${host.runAs?.gid}`,
          '--clear-groups',
          '--no-new-privs',
          '--',
          bwrap,
        ],
      ]
    : [bwrap, []];
  const [file, prefix] = probe as [string, string[]];
  const args = [
    ...prefix,
    '--die-with-parent',
    '--new-session',
    '--unshare-all',
    '--cap-drop',
    'ALL',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--',
    prlimit,
    '--nproc=8',
    '--',
    '/bin/true',
  ];
  await new Promise<void>((resolve, reject) => {
    execFile(file, args, { env: {}, timeout: 10_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      reject(
        new SandboxSetupError(
          'bwrap_failed',
          `bubblewrap cannot create a sandbox here: ${firstLine(stderr, error)}`,
        ),
      );
    });
  });
  return host;
}

function firstLine(stderr: string, error: Error): string {
  const line = stderr.split('\n').find((l) => l.trim() !== '');
  return (line ?? error.message).slice(0, 300);
}
