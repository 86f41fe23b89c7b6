import { basename, dirname, posix } from 'node:path';
import { ALWAYS_HIDDEN, type SandboxProfileSpec } from '../profile/sandbox-profile';
import { EGRESS_FORWARDER_SOURCE } from '../network/egress-forwarder';
import { SandboxSetupError } from './sandbox-setup.error';

/** How a gateway would start an upstream server without a sandbox. Arguments are an array, never a shell line. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** The programs found on the host by the preflight (absolute paths) and who the gateway runs as. */
export interface SandboxHost {
  readonly bwrap: string;
  readonly prlimit: string;
  /** Present when the gateway runs as root: the sandbox is entered as `runAs` through setpriv. */
  readonly setpriv?: string;
  readonly runAs?: { readonly uid: number; readonly gid: number };
  /** Home directory that `~/` expands to (the gateway user's). */
  readonly homeDir: string;
}

/** The host file system, as far as building the command needs it (a fake in unit tests). */
export interface HostFileSystem {
  kind(path: string): 'dir' | 'file' | 'missing';
  realpath(path: string): string;
  /**
   * Whether `user` may traverse every directory above `path` (permission bits of the owner, group or
   * others). Absent: assumed reachable.
   */
  reachable?(path: string, user: { uid: number; gid: number }): boolean;
}

export interface BuildSandboxOptions {
  readonly fs: HostFileSystem;
  /** Further paths to hide, e.g. the gateway's own configuration file. */
  readonly extraHidden?: readonly string[];
  /** `--permission` (Node ≥ 23) or `--experimental-permission` (Node 20–22). */
  readonly nodePermissionFlag?: string;
  /**
   * For `network.mode: allowlist`: the gateway's egress proxy (see startEgressProxy) and the port the
   * in-sandbox forwarder listens on. Without it an allowlist profile is refused.
   */
  readonly egress?: { readonly socketDir: string; readonly socketPath: string; readonly port: number };
  /** The node binary that runs the egress forwarder (default: the gateway's own). */
  readonly forwarderNode?: string;
}

/** What to spawn (no shell): `command` + `args`, with exactly `env`. */
export interface SandboxCommand {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  /** Names of launch-environment variables the sandbox withheld (for the gateway's log; never values). */
  readonly droppedEnv: string[];
}

/** Directories a program needs when the root is not bound whole (bound read-only when they exist). */
export const SYSTEM_READ_PATHS = [
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/alternatives',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/hosts',
  '/etc/localtime',
];

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Turns a launch spec into a bubblewrap command line that applies the profile:
 * `[setpriv …] bwrap --die-with-parent --new-session --unshare-all --cap-drop ALL <mounts> -- prlimit <limits> -- <command> <args>`.
 * Pure apart from the injected file-system view; throws {@link SandboxSetupError} when the profile cannot
 * be honoured (the server must then not start).
 */
export function buildSandboxCommand(
  spec: SandboxProfileSpec,
  launch: LaunchSpec,
  host: SandboxHost,
  options: BuildSandboxOptions,
): SandboxCommand {
  const egress = spec.network.mode === 'allowlist' ? options.egress : undefined;
  if (spec.network.mode === 'allowlist' && !egress) {
    throw new SandboxSetupError(
      'network_allowlist_unsupported',
      'network mode "allowlist" needs the gateway\'s egress proxy, which this launcher was not given',
    );
  }
  const forwarderNode = options.forwarderNode ?? process.execPath;
  const fs = options.fs;
  const expand = (p: string): string => expandHome(p, host.homeDir);
  const launchEnv = launch.env ?? {};
  const searchPath = launchEnv['PATH'] ?? DEFAULT_PATH;
  const command = resolveCommand(launch.command, searchPath, fs);
  const commandReal = fs.realpath(command);

  const read = spec.filesystem.read.map(expand);
  const write = spec.filesystem.write.map(expand);
  for (const [list, name] of [
    [read, 'filesystem.read'],
    [write, 'filesystem.write'],
  ] as const) {
    for (const p of list) {
      if (fs.kind(p) === 'missing') {
        throw new SandboxSetupError('path_missing', `${name} path ${p} does not exist`, { path: p });
      }
    }
  }

  const args: string[] = ['--die-with-parent', '--new-session', '--unshare-all', '--cap-drop', 'ALL'];
  const visible: string[] = [];
  if (spec.filesystem.readOnlyRoot) {
    args.push('--ro-bind', '/', '/');
    visible.push('/');
  } else {
    const extra = egress ? [dirname(options.fs.realpath(forwarderNode))] : [];
    for (const p of [...SYSTEM_READ_PATHS, dirname(commandReal), ...extra]) {
      if (fs.kind(p) !== 'missing' && !visible.includes(p)) {
        args.push('--ro-bind', p, p);
        visible.push(p);
      }
    }
  }
  args.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  visible.push('/tmp');
  for (const p of read) {
    args.push('--ro-bind', p, p);
    visible.push(p);
  }
  for (const p of write) {
    args.push('--bind', p, p);
    visible.push(p);
  }
  if (egress) args.push('--bind', egress.socketDir, egress.socketDir);
  const hidden = unique(
    [...ALWAYS_HIDDEN, ...spec.filesystem.hide, ...(options.extraHidden ?? [])].map(expand),
  );
  for (const p of hidden) {
    // A path the sandbox user cannot even reach (e.g. under root's 0700 home when a root gateway drops to
    // nobody) is hidden already; bubblewrap, running as that user, could not mount over it anyway.
    if (host.runAs && fs.reachable && !fs.reachable(p, host.runAs)) continue;
    const kind = fs.kind(p);
    // An empty tmpfs nobody may enter: reading anything under it fails with EACCES (reported as a violation).
    if (kind === 'dir') args.push('--perms', '0000', '--tmpfs', p);
    else if (kind === 'file') args.push('--ro-bind', '/dev/null', p);
    // A missing path has nothing to hide; the read-only root (or its absence) keeps it from appearing.
  }

  const cwd = launch.cwd ?? write[0] ?? '/';
  if (!visible.some((v) => isWithin(cwd, v)) || hidden.some((h) => isWithin(cwd, h))) {
    throw new SandboxSetupError(
      'cwd_not_visible',
      `working directory ${cwd} is not visible inside the sandbox`,
    );
  }
  args.push('--chdir', cwd);

  const { env, dropped } = sandboxEnvironment(spec, launchEnv);
  if (egress) {
    const proxy = `http://127.0.0.1:${egress.port}`;
    Object.assign(env, { HTTPS_PROXY: proxy, HTTP_PROXY: proxy, https_proxy: proxy, http_proxy: proxy });
    Object.assign(env, { NO_PROXY: 'localhost,127.0.0.1', no_proxy: 'localhost,127.0.0.1' });
  }

  const limits = spec.limits;
  const inner = [
    host.prlimit,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--as=${limits.memoryBytes}`,
    `--nofile=${limits.openFiles}`,
    `--nproc=${limits.processes}`,
    '--core=0',
    '--',
    ...(egress
      ? [forwarderNode, '-e', EGRESS_FORWARDER_SOURCE, '--', String(egress.port), egress.socketPath]
      : []),
    command,
    ...nodePermissionArgs(spec, commandReal, read, write, options.nodePermissionFlag),
    ...launch.args,
  ];
  args.push('--', ...inner);

  if (host.setpriv && host.runAs) {
    const { uid, gid } = host.runAs;
    return {
      command: host.setpriv,
      args: [
        `--reuid=${uid}`,
        `--regid=${gid}`,
        '--clear-groups',
        '--no-new-privs',
        '--',
        host.bwrap,
        ...args,
      ],
      env,
      droppedEnv: dropped,
    };
  }
  return { command: host.bwrap, args, env, droppedEnv: dropped };
}

/** Only allowed variables, declared secrets (which must be present) and the profile's literal values. */
export function sandboxEnvironment(
  spec: SandboxProfileSpec,
  launchEnv: Readonly<Record<string, string | undefined>>,
): { env: Record<string, string>; dropped: string[] } {
  const env: Record<string, string> = {};
  for (const name of spec.env.allow) {
    const value = launchEnv[name];
    if (value !== undefined) env[name] = value;
  }
  for (const name of spec.env.secrets) {
    const value = launchEnv[name];
    if (value === undefined) {
      throw new SandboxSetupError(
        'secret_missing',
        `declared secret ${name} is not in the launch environment`,
        {
          secret: name,
        },
      );
    }
    env[name] = value;
  }
  for (const [name, value] of Object.entries(spec.env.set)) env[name] = value;
  const dropped = Object.keys(launchEnv).filter((k) => !(k in env) && launchEnv[k] !== undefined);
  return { env, dropped: dropped.sort() };
}

function nodePermissionArgs(
  spec: SandboxProfileSpec,
  commandReal: string,
  read: readonly string[],
  write: readonly string[],
  flag: string | undefined,
): string[] {
  if (!spec.nodePermissions) return [];
  if (!/^node(js)?(\d+)?$/.test(basename(commandReal))) {
    throw new SandboxSetupError(
      'node_permissions_not_node',
      `nodePermissions is set but the command (${basename(commandReal)}) is not node`,
    );
  }
  const out = [flag ?? defaultNodePermissionFlag()];
  if (spec.filesystem.readOnlyRoot) out.push('--allow-fs-read=*');
  else for (const p of [...read, ...write, dirname(commandReal)]) out.push(`--allow-fs-read=${p}`);
  for (const p of write) out.push(`--allow-fs-write=${p}`);
  return out;
}

export function defaultNodePermissionFlag(): string {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 23 ? '--permission' : '--experimental-permission';
}

function resolveCommand(command: string, searchPath: string, fs: HostFileSystem): string {
  if (command.includes('/')) {
    const absolute = posix.isAbsolute(command) ? command : undefined;
    if (absolute && fs.kind(absolute) === 'file') return absolute;
    throw new SandboxSetupError('command_not_found', `command ${command} must be an existing absolute path`);
  }
  for (const dir of searchPath.split(':')) {
    if (!dir.startsWith('/')) continue;
    const candidate = posix.join(dir, command);
    if (fs.kind(candidate) === 'file') return candidate;
  }
  throw new SandboxSetupError('command_not_found', `command ${command} was not found on PATH`);
}

export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return posix.join(home, path.slice(2));
  return path;
}

export function isWithin(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/');
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
