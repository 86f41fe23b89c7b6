import type { Finding, Severity } from '../finding';
import type { ScanContext } from '../scan-context';
import { percentDecodeDeep, snippet } from '../text-decoding';

/** Programs an injected command typically runs: spawn a shell, fetch or send data, destroy, escalate. */
const DANGEROUS = new Set([
  'rm',
  'curl',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'bash',
  'sh',
  'zsh',
  'dash',
  'ksh',
  'csh',
  'python',
  'python2',
  'python3',
  'perl',
  'ruby',
  'php',
  'node',
  'lua',
  'chmod',
  'chown',
  'mkfifo',
  'ssh',
  'scp',
  'sftp',
  'ftp',
  'tftp',
  'base64',
  'eval',
  'exec',
  'sudo',
  'su',
  'dd',
  'powershell',
  'pwsh',
  'cmd',
  'certutil',
  'bitsadmin',
  'iex',
  'whoami',
  'id',
  'uname',
  'crontab',
  'useradd',
  'usermod',
  'passwd',
  'reboot',
  'shutdown',
  'halt',
  'kill',
  'pkill',
  'killall',
  'nslookup',
  'dig',
  'mshta',
  'rundll32',
  'regsvr32',
  'wmic',
  'net',
  'xterm',
  'shred',
  'mkfs',
  'systemctl',
  'launchctl',
  'osascript',
  'openssl',
  'cat',
  'tac',
  'nohup',
  'setsid',
  'busybox',
  'env',
  'ifconfig',
  'ping',
  'sleep',
]);
/** Ordinary utilities: harmless in prose, but chaining them in a command or path field is still injection. */
const COMMON = new Set([
  'ls',
  'dir',
  'echo',
  'printf',
  'grep',
  'egrep',
  'find',
  'head',
  'tail',
  'awk',
  'sed',
  'tee',
  'sort',
  'uniq',
  'xargs',
  'cp',
  'mv',
  'touch',
  'mkdir',
  'rmdir',
  'printenv',
  'export',
  'set',
  'type',
  'more',
  'less',
  'wc',
  'cut',
  'tr',
  'tar',
  'zip',
  'unzip',
  'gzip',
  'git',
  'npm',
  'make',
  'cd',
  'pwd',
  'true',
  'false',
  'test',
  'date',
  'hostname',
  'ps',
  'top',
  'df',
  'du',
  'free',
  'who',
  'w',
  'last',
  'history',
  'jq',
  'yes',
  'seq',
  'netstat',
  'ss',
  'lsof',
  'arp',
  'route',
  'ipconfig',
  'systeminfo',
  'tasklist',
  'xxd',
  'od',
  'strings',
  'file',
  'stat',
  'ln',
  'open',
  'start',
  'docker',
  'kubectl',
]);

function commandWord(raw: string): string {
  // Strip a path prefix (/bin/sh → sh) and an .exe suffix.
  const slash = Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\'));
  return raw
    .slice(slash + 1)
    .toLowerCase()
    .replace(/\.exe$/, '');
}

type Rank = 'dangerous' | 'common' | 'none';
function rankOf(raw: string): Rank {
  const word = commandWord(raw);
  return DANGEROUS.has(word) ? 'dangerous' : COMMON.has(word) ? 'common' : 'none';
}

// Every quantifier is bounded and every pattern starts with a distinct literal: linear time.
const CHAIN = /(;|&&|\|\||\||&|\n|\r)[ \t]{0,16}((?:[/\\][\w.-]{1,32}){0,4}[/\\]?[a-z][\w.-]{0,31})/gi;
const DOLLAR_SUBST = /\$\([ \t]{0,16}((?:[/\\][\w.-]{1,32}){0,4}[/\\]?[a-z][\w.-]{0,31})?/gi;
const BACKTICK_SUBST = /(^|.)`[ \t]{0,16}((?:[/\\][\w.-]{1,32}){0,4}[/\\]?[a-z][\w.-]{0,31})[^`\n]{0,256}`/gi;
const IFS = /\$\{?IFS\b/;
const VAR_EXPANSION = /\$\{[a-z_][a-z0-9_]{0,63}(?::?[-=?+][^}]{0,64})?\}/i;
const REDIRECT = /(?:^|[^<>=-])(?:\d|&)?(>>?|<)[ \t]{0,8}(&\d|\/|~\/|\.\.?\/|\\\\)/;
/** In prose only output redirection to a file or descriptor counts (`</b>` is HTML, `a > b` a comparison). */
const PROSE_REDIRECT = /(?:^|[^<>=-])(?:\d|&)?>>?[ \t]{0,8}(?:&\d|\/[a-z]|~\/)/i;
const PROCESS_SUBST = /[<>]\([ \t]{0,8}[a-z]/i;
/** Server-side include directives (`<!--#exec cmd="…" -->`). */
const SSI = /<!--#[ \t]{0,8}(?:exec|include|echo|config|fsize|flastmod|printenv)\b/i;
/** A value that starts with a shell operator is not prose (`;id`, `| nc …`, `&& curl …`). */
const LEADING_OPERATOR =
  /^[ \t"']{0,4}(?:;|&&|\|\||\||&)[ \t]{0,16}((?:[/\\][\w.-]{1,32}){0,4}[/\\]?[a-z][\w.-]{0,31})/i;
/** A value that is one backtick span and nothing else. */
const WHOLE_BACKTICK =
  /^[ \t]{0,4}`[ \t]{0,4}((?:[/\\][\w.-]{1,32}){0,4}[/\\]?[a-z][\w.-]{0,31})[^`\n]{0,256}`[ \t]{0,4}$/i;
const METACHAR = /[;|`$<>\n\r]/;

interface Hit {
  severity: Severity;
  detail: string;
}

function scan(text: string, context: ScanContext, encoded: boolean): Hit | undefined {
  const strict = context.kind === 'command' || context.kind === 'path' || context.kind === 'url';
  let best: Hit | undefined;
  const consider = (severity: Severity, detail: string): void => {
    const order = { low: 1, medium: 2, high: 3, critical: 4 };
    if (!best || order[severity] > order[best.severity]) best = { severity, detail };
  };
  if (IFS.test(text)) consider('high', 'shell $IFS used as a separator');
  if (SSI.test(text)) consider('high', 'server-side include directive');
  const leading = LEADING_OPERATOR.exec(text);
  if (leading && rankOf(leading[1]) !== 'none')
    consider(
      strict ? 'critical' : 'high',
      `value starts with a shell operator before ${commandWord(leading[1])}`,
    );
  const whole = WHOLE_BACKTICK.exec(text);
  if (whole && rankOf(whole[1]) !== 'none')
    consider(strict ? 'critical' : 'medium', 'value is a single backtick command substitution');
  // Stop scanning once the worst severity possible for this kind of field is reached.
  const ceiling: Severity = strict ? 'critical' : 'high';
  const done = (): boolean => best?.severity === ceiling;
  for (const m of text.matchAll(DOLLAR_SUBST)) {
    if (done()) break;
    const rank = m[1] ? rankOf(m[1]) : 'none';
    if (rank === 'dangerous')
      consider(strict ? 'critical' : 'high', `command substitution $(${commandWord(m[1])} …)`);
    else if (strict) consider('high', 'command substitution $( … )');
    else if (rank === 'common') consider('low', 'command substitution $( … ) in prose');
  }
  for (const m of text.matchAll(BACKTICK_SUBST)) {
    if (done()) break;
    const rank = rankOf(m[2]);
    // A code span in prose is preceded by a space or punctuation; a substitution is glued to a token.
    const glued = m[1] !== '' && /[\w=/"':]/.test(m[1]);
    if (strict && rank !== 'none')
      consider(rank === 'dangerous' ? 'critical' : 'high', 'backtick command substitution');
    else if (strict) consider('high', 'backtick command substitution');
    else if (glued && rank !== 'none')
      consider(rank === 'dangerous' ? 'high' : 'medium', 'backtick command substitution');
  }
  for (const m of text.matchAll(CHAIN)) {
    if (done()) break;
    const operator = m[1] === '\n' || m[1] === '\r' ? 'newline' : m[1];
    const rank = rankOf(m[2]);
    const what = `${operator} then ${commandWord(m[2])}`;
    if (context.kind === 'command') {
      consider(rank === 'dangerous' ? 'critical' : 'high', `command chaining (${what})`);
    } else if (context.kind === 'url') {
      // `&` separates query parameters; `;` `|` `&&` `||` and newlines only matter before a program.
      if (operator !== '&' && rank !== 'none')
        consider(rank === 'dangerous' ? 'critical' : 'high', `command chaining (${what})`);
    } else if (strict) {
      if (rank !== 'none' || (operator !== 'newline' && operator !== '&'))
        consider(rank === 'dangerous' ? 'critical' : 'high', `command chaining (${what})`);
    } else if (rank === 'dangerous') {
      // In prose a `;` or `|` followed by a dangerous program is rare; a newline followed by one is less so.
      consider(operator === 'newline' ? 'medium' : 'high', `command chaining (${what})`);
    }
  }
  if (PROCESS_SUBST.test(text) && strict) consider('high', 'process substitution');
  const redirect = strict ? REDIRECT.exec(text) : PROSE_REDIRECT.exec(text);
  if (redirect) consider(strict ? 'high' : 'medium', `redirection ${snippet(redirect[0].trim(), 20)}`);
  if (strict && !best) {
    if (VAR_EXPANSION.test(text)) consider('medium', 'shell variable expansion');
    else if (context.kind !== 'url' && METACHAR.test(text)) consider('medium', 'shell metacharacter');
  }
  if (best && encoded)
    best = {
      severity: best.severity === 'low' ? 'medium' : best.severity,
      detail: `${best.detail} (percent-encoded)`,
    };
  return best;
}

/**
 * Shell command injection: command chaining (`;` `&&` `||` `|` `&`, newlines), `$( )` and backtick
 * substitution, `$IFS`, redirections and process substitution. Stricter in fields used as commands,
 * paths or URLs (any chaining is reported) than in prose (only chaining into a dangerous program).
 */
export function detectShellInjection(text: string, context: ScanContext, out: Finding[]): void {
  let hit = scan(text, context, false);
  if (!hit && context.kind !== 'text' && text.includes('%')) {
    const decoded = percentDecodeDeep(text);
    if (decoded !== text) hit = scan(decoded, context, true);
  }
  if (hit)
    out.push({ detector: 'shell-injection', path: context.path, severity: hit.severity, detail: hit.detail });
}
