import { detectInvisibleUnicode } from './detectors/invisible-unicode.detector';
import { detectPromptInjection } from './detectors/prompt-injection.detector';
import { detectSecrets } from './detectors/secret.detector';
import type { Finding } from './finding';
import type { ScanContext } from './scan-context';
import { collectStrings, DEFAULT_WALK_LIMITS, type WalkLimits } from './string-walker';

/**
 * Scans a tool's result (e.g. an MCP CallToolResult: `content[].text`, `structuredContent`) before it
 * reaches the model: secrets it would leak and instructions injected into it (prompt injection,
 * invisible Unicode). Paths are JSON pointers into the result.
 */
export function scanResult(result: unknown, limits: Partial<WalkLimits> = {}): Finding[] {
  const out: Finding[] = [];
  for (const site of collectStrings(result, { ...DEFAULT_WALK_LIMITS, ...limits }, out)) {
    const context: ScanContext = { path: site.path, kind: 'text', isKey: site.isKey };
    detectSecrets(site.value, context, out);
    detectPromptInjection(site.value, context, out);
    detectInvisibleUnicode(site.value, context, out);
  }
  return out;
}
