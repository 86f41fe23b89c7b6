import type { Finding, Severity } from '../finding';
import type { ScanContext } from '../scan-context';
import { percentDecodeDeep } from '../text-decoding';

// All patterns run on lower-cased text whose backslashes were turned into slashes. Bounded quantifiers only.
// A `..` segment: after a separator (or `%`, as in `%25%5c..`), followed by a separator, `%`, NUL or the end.
// NUL is matched on purpose (a NUL byte truncates a path in C-based file APIs).
const TRAVERSAL =
  // eslint-disable-next-line no-control-regex
  /(?:^|[/=\s"'(:;,%])\.{2,8}(?:;[^/]{0,16})?(?:\/{1,8}|%|\u0000|$)|\/\.{2,8}(?:$|[\s"'?#%\u0000])/g;
const SENSITIVE_SYSTEM =
  /(?:^|[^\w.-])(?:\/etc\/(?:passwd|shadow|gshadow|sudoers|master\.passwd|group|crontab|cron\.d|ssh\/|ssl\/private|kubernetes\/)|\/proc\/(?:self|\d{1,7}|thread-self)\/|\/root(?:\/|$)|\/var\/run\/(?:docker\.sock|secrets)|\/run\/secrets|\/sys\/(?:kernel|firmware|class)|\/dev\/(?:tcp|udp|mem|kmem|sd[a-z]|nvme)|\/boot\/|(?:[a-z]:)?\/windows\/(?:system32|win\.ini|system\.ini|repair|panther)|[a-z]:\/(?:boot\.ini|inetpub\/|users\/[^/]{1,64}\/(?:appdata|ntuser)))/;
const SENSITIVE_HOME =
  /(?:~|\$home|\$\{home\}|%userprofile%|\/home\/[\w.-]{1,64}|\/users\/[\w .-]{1,64}|\/root|[a-z]:\/users\/[\w .-]{1,64})\/(?:\.ssh|\.aws|\.gnupg|\.kube|\.docker|\.npmrc|\.pypirc|\.netrc|\.pgpass|\.git-credentials|\.gitconfig|\.bash_history|\.zsh_history|\.bashrc|\.zshrc|\.profile|\.config\/(?:gcloud|gh|solana)|\.azure|\.cursor|\.vscode|library\/keychains)(?:$|[/\s"'])/;
const SENSITIVE_FILE =
  // eslint-disable-next-line no-control-regex
  /(?:^|[\s"'=:(/])(?:(?:\.htaccess|\.htpasswd|web\.config|wp-config\.php|boot\.ini|win\.ini|ntds\.dit|global\.asa|\.git\/config)(?:$|[\s"'?#%\u0000])|\.ssh\/(?:id_[a-z0-9]{1,12}|authorized_keys|known_hosts|config)|\.aws\/credentials|\.git-credentials|\.netrc|\.pgpass|id_(?:rsa|dsa|ecdsa|ed25519)(?:$|[\s"'.])|\.env(?:\.[a-z]{1,16})?(?:$|[\s"']))/;

/** Backslashes are separators; `//` and `/./` change nothing on disk, so they are folded away. */
function foldSeparators(text: string): string {
  return text
    .replace(/\\/g, '/')
    .replace(/\/{2,}/g, '/')
    .replace(/\/(?:\.\/){1,}/g, '/')
    .toLowerCase();
}

function decode(text: string): string {
  const t = percentDecodeDeep(text);
  // Full-width dots and slashes, one-dot leaders and the like fold to ASCII under NFKC.
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(t) ? t.normalize('NFKC').replace(/[\u2215\u2044\u29f8]/g, '/') : t;
}

/**
 * Whether a relative path (`src/../lib/a.ts`) never climbs above the folder it starts in: its `..`
 * segments only undo segments it went down first. Absolute and home paths are never "inside" (their start
 * is not the tool's folder); `...` and other dot runs count as climbing (some platforms treat them so).
 */
function staysInside(path: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/^(?:\/|~|\$|%|[a-z]:)|[\s\u0000;]/.test(path) || path.length > 4096) return false;
  let depth = 0;
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (/^\.{2,}$/.test(segment)) {
      if (segment !== '..' || depth === 0) return false;
      depth -= 1;
    } else depth += 1;
  }
  return true;
}

/**
 * Path traversal: `../` and `..\` (also percent-encoded, double-encoded, overlong UTF-8, full-width
 * forms), NUL bytes, and absolute or home-relative paths to sensitive locations (credentials, keys,
 * /etc/passwd, /proc/self, C:\Windows\System32 …).
 */
export function detectPathTraversal(text: string, context: ScanContext, out: Finding[]): void {
  if (context.isKey) return;
  const plain = foldSeparators(text);
  const normalised = foldSeparators(decode(text));
  const encoded = normalised !== plain;
  const pathField = context.kind === 'path' || context.kind === 'command';
  let severity: Severity | undefined;
  let detail = '';
  const segments = normalised.match(TRAVERSAL)?.length ?? 0;
  if (segments > 0) {
    if (!encoded && pathField && staysInside(normalised)) severity = 'low';
    else if (pathField || context.kind === 'url') severity = encoded ? 'critical' : 'high';
    else if (encoded || segments >= 2) severity = encoded ? 'high' : 'medium';
    else severity = 'low';
    detail = `${segments} parent-directory segment(s)${encoded ? ' (encoded)' : ''}`;
  }
  const sensitive =
    SENSITIVE_SYSTEM.exec(normalised) ?? SENSITIVE_HOME.exec(normalised) ?? SENSITIVE_FILE.exec(normalised);
  if (sensitive) {
    const where = sensitive[0].replace(/^[^/~$%.a-z]/, '').slice(0, 60);
    severity = pathField ? 'critical' : 'high';
    detail = detail
      ? `${detail}; sensitive location ${JSON.stringify(where)}`
      : `sensitive location ${JSON.stringify(where)}`;
  }
  if (pathField && normalised.includes('\u0000')) {
    severity = 'high';
    detail = detail ? `${detail}; NUL byte` : 'NUL byte in a path';
  }
  if (severity) out.push({ detector: 'path-traversal', path: context.path, severity, detail });
}
