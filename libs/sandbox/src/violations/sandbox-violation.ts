/**
 * What a sandboxed server tried and was stopped from doing, as seen from outside: its exit (killed by a
 * limit), the error lines it wrote to stderr, the errors in its tool results, or the gateway's own timer.
 */
export const VIOLATION_KINDS = [
  'filesystem',
  'network',
  'process_limit',
  'memory_limit',
  'cpu_limit',
  'file_limit',
  'wall_clock',
  'killed',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export const VIOLATION_SOURCES = ['exit', 'stderr', 'result', 'gateway'] as const;
export type ViolationSource = (typeof VIOLATION_SOURCES)[number];

export interface SandboxViolation {
  readonly kind: ViolationKind;
  readonly source: ViolationSource;
  /** At most {@link MAX_VIOLATION_DETAIL} characters, control characters removed. */
  readonly detail: string;
  /** The tool being called, when the violation belongs to one call. */
  readonly tool?: string;
}

export const MAX_VIOLATION_DETAIL = 300;

const PATTERNS: ReadonlyArray<readonly [ViolationKind, RegExp]> = [
  [
    'process_limit',
    /\b(spawn|fork|clone)\b.*\bEAGAIN\b|\bEAGAIN\b.*\b(spawn|fork)\b|resource temporarily unavailable/i,
  ],
  ['file_limit', /\bEMFILE\b|too many open files/i],
  ['memory_limit', /out of memory|allocation failed|\bENOMEM\b|cannot allocate memory/i],
  ['network', /\b(ECONNREFUSED|ENETUNREACH|EHOSTUNREACH|EAI_AGAIN|ENOTFOUND)\b|network is unreachable/i],
  ['filesystem', /\b(EACCES|EPERM|EROFS)\b|permission denied|read-only file system|operation not permitted/i],
];

/** Violations named by error text (stderr lines or a tool's error result): one per kind, first match wins. */
export function violationsInText(text: string, source: 'stderr' | 'result'): SandboxViolation[] {
  const found = new Map<ViolationKind, SandboxViolation>();
  for (const line of text.split('\n')) {
    for (const [kind, pattern] of PATTERNS) {
      if (!found.has(kind) && pattern.test(line)) {
        found.set(kind, { kind, source, detail: clean(line) });
        break;
      }
    }
  }
  return [...found.values()];
}

const SIGNAL_NUMBERS: Readonly<Record<number, NodeJS.Signals>> = {
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
};

/**
 * A violation told by how the process ended. bubblewrap reports a child killed by signal N as exit code
 * 128 + N, so both forms are read. A clean exit (or one the gateway asked for) is not a violation.
 */
export function violationOfExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  stoppedByGateway = false,
): SandboxViolation | undefined {
  if (stoppedByGateway) return undefined;
  const sig = signal ?? (code !== null && code > 128 ? SIGNAL_NUMBERS[code - 128] : undefined);
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  switch (sig) {
    case 'SIGXCPU':
      return { kind: 'cpu_limit', source: 'exit', detail: `CPU time limit exceeded (${how})` };
    case 'SIGKILL':
      return { kind: 'killed', source: 'exit', detail: `killed (${how})` };
    case 'SIGABRT':
    case 'SIGSEGV':
      return { kind: 'memory_limit', source: 'exit', detail: `aborted, likely out of memory (${how})` };
    case 'SIGXFSZ':
      return { kind: 'file_limit', source: 'exit', detail: `file size limit exceeded (${how})` };
    default:
      return undefined;
  }
}

function clean(line: string): string {
  return (
    line
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .trim()
      .slice(0, MAX_VIOLATION_DETAIL)
  );
}
