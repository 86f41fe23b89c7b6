import { createTwoFilesPatch } from 'diff';

export interface PolicyFileDiff {
  file: string;
  status: 'added' | 'removed' | 'modified' | 'unchanged';
  /** Unified diff from the old to the new text (empty when unchanged). */
  patch: string;
}

/** Per-file unified diffs from `older` to `newer` (files sorted by name). */
export function diffPolicyFiles(
  older: Record<string, string>,
  newer: Record<string, string>,
  labels: { older: string; newer: string },
): PolicyFileDiff[] {
  const names = [...new Set([...Object.keys(older), ...Object.keys(newer)])].sort();
  return names.map((file) => {
    const before = Object.hasOwn(older, file) ? older[file] : undefined;
    const after = Object.hasOwn(newer, file) ? newer[file] : undefined;
    const status =
      before === undefined
        ? 'added'
        : after === undefined
          ? 'removed'
          : before === after
            ? 'unchanged'
            : 'modified';
    const patch =
      status === 'unchanged'
        ? ''
        : createTwoFilesPatch(
            before === undefined ? '/dev/null' : `a/${file}`,
            after === undefined ? '/dev/null' : `b/${file}`,
            before ?? '',
            after ?? '',
            labels.older,
            labels.newer,
          );
    return { file, status, patch };
  });
}
