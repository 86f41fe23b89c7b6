import { describe, expect, it } from 'vitest';
import { violationOfExit, violationsInText } from './sandbox-violation';

describe('violationsInText', () => {
  it.each([
    ["Error: EACCES: permission denied, open '/root/.ssh/id_rsa'", 'filesystem'],
    ["EROFS: read-only file system, open '/etc/passwd'", 'filesystem'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'network'],
    ['connect ENETUNREACH 1.1.1.1:443', 'network'],
    ['getaddrinfo EAI_AGAIN example.com', 'network'],
    ['Error: spawn /bin/sleep EAGAIN', 'process_limit'],
    ['EMFILE: too many open files', 'file_limit'],
    ['RangeError: Array buffer allocation failed', 'memory_limit'],
    ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', 'memory_limit'],
  ])('%s → %s', (line, kind) => {
    expect(violationsInText(line, 'stderr').map((v) => v.kind)).toEqual([kind]);
  });

  it('ignores ordinary output and bounds the detail', () => {
    expect(violationsInText('listening on stdio\nready', 'stderr')).toEqual([]);
    const [v] = violationsInText(`EACCES ${'x'.repeat(1000)}\u0007`, 'result');
    expect(v?.detail.length).toBe(300);
    expect(v?.source).toBe('result');
  });
});

describe('violationOfExit', () => {
  it('reads signals and bubblewrap 128+N exit codes', () => {
    expect(violationOfExit(null, 'SIGXCPU')?.kind).toBe('cpu_limit');
    expect(violationOfExit(152, null)?.kind).toBe('cpu_limit');
    expect(violationOfExit(137, null)?.kind).toBe('killed');
    expect(violationOfExit(134, null)?.kind).toBe('memory_limit');
    expect(violationOfExit(0, null)).toBeUndefined();
    expect(violationOfExit(1, null)).toBeUndefined();
    expect(violationOfExit(null, 'SIGKILL', true)).toBeUndefined();
  });
});
