import type { Finding, Severity } from '../finding';
import type { ScanContext } from '../scan-context';
import { redact, shannonEntropy } from '../text-decoding';

interface TokenRule {
  pattern: RegExp;
  label: string;
  severity: Severity;
  /** Optional extra check on the match (e.g. entropy, JSON header). */
  accept?: (match: string) => boolean;
}

function isJwtHeader(token: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && 'alg' in header;
  } catch {
    return false;
  }
}

/** Documentation keys conventionally say so (AWS's `…EXAMPLE`, `sk_test_FAKE…`). */
const NOT_PLACEHOLDER = (match: string): boolean => !/example|sample|dummy|fake|placeholder/i.test(match);
const RANDOM_ENOUGH =
  (min: number) =>
  (match: string): boolean =>
    shannonEntropy(match) >= min;

// Every quantifier is bounded; prefixes are distinctive literals.
const RULES: readonly TokenRule[] = [
  {
    pattern: /-----BEGIN[ A-Z0-9]{0,32} PRIVATE KEY(?: BLOCK)?-----/,
    label: 'PEM private key',
    severity: 'critical',
  },
  {
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16}\b/,
    label: 'AWS access key id',
    severity: 'high',
    accept: NOT_PLACEHOLDER,
  },
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{36,251}\b/, label: 'GitHub token', severity: 'critical' },
  {
    pattern: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/,
    label: 'GitHub fine-grained token',
    severity: 'critical',
  },
  { pattern: /\bglpat-[A-Za-z0-9_-]{20,64}\b/, label: 'GitLab token', severity: 'critical' },
  {
    pattern: /\bxox[abposr]-(?:\d{1,16}-){1,3}[A-Za-z0-9]{8,64}\b/,
    label: 'Slack token',
    severity: 'critical',
  },
  {
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{16,32}/,
    label: 'Slack webhook URL',
    severity: 'high',
  },
  {
    pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}\b/,
    label: 'Stripe secret key',
    severity: 'critical',
  },
  { pattern: /\bwhsec_[A-Za-z0-9+/]{24,64}/, label: 'webhook signing secret', severity: 'high' },
  { pattern: /\bAIza[0-9A-Za-z_-]{35}\b/, label: 'Google API key', severity: 'high' },
  { pattern: /\bya29\.[0-9A-Za-z_-]{20,512}/, label: 'Google OAuth access token', severity: 'critical' },
  {
    pattern: /\bsk-(?:proj-|ant-(?:api|admin)\d{2}-)?[A-Za-z0-9_-]{32,200}\b/,
    label: 'OpenAI/Anthropic API key',
    severity: 'critical',
    accept: RANDOM_ENOUGH(3.5),
  },
  { pattern: /\bnpm_[A-Za-z0-9]{36}\b/, label: 'npm token', severity: 'critical' },
  { pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/, label: 'SendGrid key', severity: 'high' },
  { pattern: /\bhf_[A-Za-z0-9]{34,40}\b/, label: 'Hugging Face token', severity: 'high' },
  {
    pattern: /\beyJ[A-Za-z0-9_-]{8,2048}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,2048}/,
    label: 'JSON Web Token',
    severity: 'high',
    accept: isJwtHeader,
  },
  {
    pattern: /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s:/@"']{1,64}:[^\s:/@"']{3,128}@[^\s/"']{1,255}/i,
    label: 'credentials in a URL',
    severity: 'high',
    accept: (m) =>
      !/:\/\/[^:]{1,64}:(?:\*{1,}|x{3,}|<[^>]{0,64}>|\$\{[^}]{0,64}\}|password|pass|pwd|secret|changeme)@/i.test(
        m,
      ),
  },
];

/** `api_key = "…"`, `"client_secret": "…"`, `Authorization: Bearer …` with a random-looking value. */
const ASSIGNMENT =
  /(?:^|[^a-zA-Z0-9])(?:api[_-]?key|apikey|api[_-]?secret|secret[_-]?key|client[_-]?secret|access[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|private[_-]?key|secret|token|password|passwd|pwd|bearer)["']?[ \t]{0,4}(?:[:=]|=>|\s)[ \t]{0,4}["']?([^\s"'`<>,;=]{12,256}={0,2})/gi;
const SECRET_NAME =
  /(?:^|[_-])(?:api[_-]?key|apikey|secret|token|password|passwd|pwd|private[_-]?key|credentials?|auth)(?:$|[_-])/i;

const PASSWORD_NAME = /(?:^|[_-])(?:password|passwd|pwd|passphrase|passcode|pin)(?:$|[_-])/i;

/** A password: not a placeholder, and at least three character classes (letters, digits, symbols). */
function looksLikePassword(value: string): boolean {
  if (
    /^(?:x{4,}|\*{4,}|\.{3,}|your[_-]|<|\$\{|\{\{|%\(|example|changeme|redacted|placeholder|dummy|sample)/i.test(
      value,
    )
  )
    return false;
  const classes =
    Number(/[a-z]/.test(value)) +
    Number(/[A-Z]/.test(value)) +
    Number(/[0-9]/.test(value)) +
    Number(/[^A-Za-z0-9]/.test(value));
  return classes >= 3;
}

/** Placeholders and ordinary words are not secrets: require a mix of character classes and randomness. */
function looksRandom(value: string): boolean {
  if (
    /^(?:x{4,}|\*{4,}|\.{3,}|your[_-]|<|\$\{|\{\{|example|changeme|redacted|placeholder|dummy|sample|test)/i.test(
      value,
    )
  )
    return false;
  const classes =
    Number(/[a-z]/.test(value)) +
    Number(/[A-Z]/.test(value)) +
    Number(/[0-9]/.test(value)) +
    Number(/[+/_=.~-]/.test(value));
  if (classes < 2) return false;
  if (/^[A-Z0-9_]+$/.test(value) && /[A-Z]{3,}_[A-Z]{3,}/.test(value)) return false; // ENV_VAR_NAME
  return shannonEntropy(value) >= 3.3;
}

/**
 * Secrets: PEM private keys, cloud and SaaS tokens with distinctive prefixes (AWS, GitHub, GitLab, Slack,
 * Stripe, Google, OpenAI/Anthropic, npm …), JWTs, credentials in URLs, and generic `api_key=…` style
 * assignments whose value is random-looking. The detail only ever shows a redacted hint.
 */
export function detectSecrets(text: string, context: ScanContext, out: Finding[]): void {
  if (text.length < 12) return;
  for (const rule of RULES) {
    const m = rule.pattern.exec(text);
    if (m && (!rule.accept || rule.accept(m[0]))) {
      out.push({
        detector: 'secret',
        path: context.path,
        severity: rule.severity,
        detail: `${rule.label} ${redact(m[0])}`,
      });
      return;
    }
  }
  for (const m of text.matchAll(ASSIGNMENT)) {
    if (looksRandom(m[1])) {
      out.push({
        detector: 'secret',
        path: context.path,
        severity: 'high',
        detail: `credential assignment ${redact(m[1])}`,
      });
      return;
    }
  }
  // A password under a password-named member: any printable characters, shorter than a token.
  if (!context.isKey && context.path !== '' && text.length <= 256 && /^[!-~]{8,256}$/.test(text)) {
    const member = context.path.slice(context.path.lastIndexOf('/') + 1);
    if (PASSWORD_NAME.test(member.replace(/([a-z])([A-Z])/g, '$1_$2')) && looksLikePassword(text)) {
      out.push({
        detector: 'secret',
        path: context.path,
        severity: 'medium',
        detail: `password under "${member.slice(0, 40)}" ${redact(text)}`,
      });
      return;
    }
  }
  // A bare value under a member named like a secret (e.g. {"api_key": "…"}).
  if (
    !context.isKey &&
    context.path !== '' &&
    text.length <= 512 &&
    /^[A-Za-z0-9+/_.~=-]{16,512}$/.test(text)
  ) {
    const member = context.path.slice(context.path.lastIndexOf('/') + 1);
    if (SECRET_NAME.test(member.replace(/([a-z])([A-Z])/g, '$1_$2')) && looksRandom(text)) {
      out.push({
        detector: 'secret',
        path: context.path,
        severity: 'medium',
        detail: `random-looking value under "${member.slice(0, 40)}" ${redact(text)}`,
      });
    }
  }
}
