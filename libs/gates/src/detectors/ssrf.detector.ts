import ipaddr from 'ipaddr.js';
import type { Finding, Severity } from '../finding';
import type { ScanContext } from '../scan-context';
import { percentDecodeDeep, snippet } from '../text-decoding';

interface Verdict {
  severity: Severity;
  reason: string;
}

const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
  'metadata.tencentyun.com',
  'metadata.packet.net',
]);
const METADATA_IPS = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '169.254.169.123',
  '100.100.100.200',
  '192.0.0.192',
  'fd00:ec2::254',
]);
const PRIVATE_IPV4_RANGES = new Map<string, string>([
  ['loopback', 'loopback'],
  ['private', 'private network'],
  ['linkLocal', 'link-local'],
  ['carrierGradeNat', 'carrier-grade NAT'],
  ['unspecified', 'unspecified (0.0.0.0)'],
  ['broadcast', 'broadcast'],
]);
const PRIVATE_IPV6_RANGES = new Map<string, string>([
  ['loopback', 'loopback'],
  ['uniqueLocal', 'unique-local (private)'],
  ['linkLocal', 'link-local'],
  ['unspecified', 'unspecified (::)'],
  ['deprecatedSiteLocal', 'site-local'],
]);
/** Schemes that reach local files or speak raw protocols to internal services. */
const DANGEROUS_SCHEMES = new Set([
  'file:',
  'gopher:',
  'dict:',
  'ldap:',
  'ldaps:',
  'tftp:',
  'jar:',
  'netdoc:',
  'php:',
  'phar:',
  'expect:',
  'sftp:',
  'smb:',
]);

function classifyIpv4(address: ipaddr.IPv4, shown: string): Verdict | undefined {
  const text = address.toString();
  if (METADATA_IPS.has(text))
    return { severity: 'critical', reason: `cloud metadata address ${text}${shown}` };
  const range = PRIVATE_IPV4_RANGES.get(address.range());
  return range ? { severity: 'high', reason: `${range} address ${text}${shown}` } : undefined;
}

/** Characters of every IPv4 spelling ipaddr.js accepts (decimal, octal, hex, short forms). */
const MAYBE_IPV4 = /^[0-9a-fA-FxX.]+$/;

/** Classifies an IP literal (any IPv4 spelling ipaddr.js accepts; IPv6 with embedded IPv4 unwrapped). */
export function classifyAddress(literal: string): Verdict | undefined {
  const host = literal.startsWith('[') && literal.endsWith(']') ? literal.slice(1, -1) : literal;
  const zoneless = host.replace(/%.{0,32}$/, '');
  // ipaddr's isValid parses and throws on failure: ask it only about strings that can be an address at all
  // (IPv4 in any spelling is hex digits, `x` and dots; IPv6 always has a colon).
  if (MAYBE_IPV4.test(zoneless) && ipaddr.IPv4.isValid(zoneless)) {
    const v4 = ipaddr.IPv4.parse(zoneless);
    return classifyIpv4(v4, v4.toString() === zoneless ? '' : ` (written ${snippet(zoneless, 40)})`);
  }
  if (!zoneless.includes(':') || !ipaddr.IPv6.isValid(zoneless)) return undefined;
  const v6 = ipaddr.IPv6.parse(zoneless);
  const text = v6.toNormalizedString();
  if (METADATA_IPS.has(v6.toString()))
    return { severity: 'critical', reason: `cloud metadata address ${v6.toString()}` };
  const parts = v6.parts;
  const range = v6.range();
  // IPv4-mapped (::ffff:a.b.c.d), SIIT (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96), IPv4-compatible (::a.b.c.d).
  const embedsLast32 =
    range === 'ipv4Mapped' ||
    range === 'rfc6145' ||
    range === 'rfc6052' ||
    (parts.slice(0, 6).every((p) => p === 0) && parts[6] !== 0);
  if (embedsLast32) {
    const v4 = new ipaddr.IPv4([parts[6] >> 8, parts[6] & 0xff, parts[7] >> 8, parts[7] & 0xff]);
    return classifyIpv4(v4, ` (embedded in IPv6 ${text})`);
  }
  if (range === '6to4') {
    const v4 = new ipaddr.IPv4([parts[1] >> 8, parts[1] & 0xff, parts[2] >> 8, parts[2] & 0xff]);
    return classifyIpv4(v4, ` (embedded in 6to4 ${text})`);
  }
  const label = PRIVATE_IPV6_RANGES.get(range);
  return label ? { severity: 'high', reason: `${label} address ${v6.toString()}` } : undefined;
}

/** Classifies a host name (already lower-cased, IDNA-normalised by the URL parser when it came from a URL). */
function classifyHost(rawHost: string): Verdict | undefined {
  const host = rawHost.replace(/\.$/, '');
  if (host === '') return undefined;
  const address = classifyAddress(host);
  if (address) return address;
  if (METADATA_HOSTS.has(host)) return { severity: 'critical', reason: `cloud metadata host ${host}` };
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === 'localhost.localdomain' ||
    host === 'ip6-localhost'
  ) {
    return { severity: 'high', reason: `loopback host ${host}` };
  }
  if (/\.(?:internal|local|localdomain|intranet|corp|lan|home\.arpa)$/.test(host)) {
    return { severity: 'medium', reason: `internal host name ${host}` };
  }
  // Wildcard-DNS names that resolve to the IP written inside them (127.0.0.1.nip.io, 10-0-0-1.sslip.io).
  const embedded = /(?:^|[.-])(\d{1,3}[.-]\d{1,3}[.-]\d{1,3}[.-]\d{1,3})[.-]/.exec(host);
  if (embedded) {
    const inner = classifyAddress(embedded[1].replace(/-/g, '.'));
    if (inner)
      return {
        severity: inner.severity === 'critical' ? 'critical' : 'high',
        reason: `host name ${host} embeds ${inner.reason}`,
      };
  }
  return undefined;
}

function parseUrl(candidate: string): URL | undefined {
  try {
    return new URL(candidate);
  } catch {
    return undefined;
  }
}

function verdictForUrl(url: URL): Verdict | undefined {
  if (DANGEROUS_SCHEMES.has(url.protocol)) {
    const hostVerdict = url.hostname ? classifyHost(url.hostname) : undefined;
    return {
      severity: hostVerdict?.severity === 'critical' ? 'critical' : 'high',
      reason: `${url.protocol}// URL${hostVerdict ? `; ${hostVerdict.reason}` : ''}`,
    };
  }
  if (
    url.protocol !== 'http:' &&
    url.protocol !== 'https:' &&
    url.protocol !== 'ws:' &&
    url.protocol !== 'wss:' &&
    url.protocol !== 'ftp:'
  )
    return undefined;
  return classifyHost(url.hostname);
}

/** When the WHATWG parser refuses a URL (e.g. an IPv6 zone id), its host is still read out, leniently. */
const LENIENT_HOST =
  /^[a-z][a-z0-9+.-]{0,15}:\/\/(?:[^@/?#\s]{0,256}@)?(\[[^\]/]{1,128}\]|[^:/?#\s]{1,253})/i;

function lenientVerdict(candidate: string): Verdict | undefined {
  const m = LENIENT_HOST.exec(candidate);
  if (!m) return undefined;
  return classifyHost(percentDecodeDeep(m[1]).toLowerCase());
}

// Bounded quantifiers; the scheme must follow a non-letter so a run of letters is tried once per position.
const URL_CANDIDATE = /(?:^|[^a-z0-9+.-])([a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'<>`\\^{}|]{0,2048})/gi;
const BARE_IPV4 = /(?:^|[^\w.:])(\d{1,10}(?:\.\d{1,10}){3})(?::\d{1,5})?(?=$|[^\w.:])/g;
/** `10.0.0.0/8`: a network range written in CIDR notation names a network, not a host to call. */
const CIDR_SUFFIX = /^\/\d{1,2}(?![\w.])/;
const MAX_CANDIDATES = 64;

/**
 * Server-side request forgery: URLs (and, in URL/host fields, bare hosts) that point at loopback, private,
 * link-local, CGNAT or cloud-metadata addresses — in any IPv4 spelling (decimal, hex, octal, short forms,
 * percent-encoded) or IPv6 form (mapped, compatible, NAT64, 6to4) — or use local-file / raw-protocol
 * schemes. Purely syntactic: no DNS lookup is ever made.
 */
export function detectSsrf(text: string, context: ScanContext, out: Finding[]): void {
  if (context.isKey) return;
  let worst: Verdict | undefined;
  const consider = (verdict: Verdict | undefined): void => {
    if (!verdict) return;
    const rank = { low: 1, medium: 2, high: 3, critical: 4 };
    if (!worst || rank[verdict.severity] > rank[worst.severity]) worst = verdict;
  };
  const trimmed = text.trim();
  // Once a URL's host was judged, IPs elsewhere in it (path, query, fragment) weigh like IPs in prose.
  let hostJudged = false;
  if (context.kind === 'url' && trimmed.length <= 2048) {
    const direct = parseUrl(trimmed);
    const schemed = /^[a-z][a-z0-9+.-]{0,15}:\/\//i.test(trimmed);
    hostJudged = schemed;
    if (direct && schemed) consider(verdictForUrl(direct));
    else if (schemed) consider(lenientVerdict(trimmed));
    else if (classifyAddress(trimmed)) consider(classifyAddress(trimmed));
    else {
      // A bare host or host:port.
      const hostish = parseUrl(`http://${percentDecodeDeep(trimmed)}`);
      if (hostish) consider(classifyHost(hostish.hostname));
    }
  }
  let count = 0;
  if (text.includes('://')) {
    for (const m of text.matchAll(URL_CANDIDATE)) {
      if ((count += 1) > MAX_CANDIDATES) break;
      const url = parseUrl(m[1]);
      consider(url ? verdictForUrl(url) : lenientVerdict(m[1]));
    }
  }
  count = 0;
  for (const m of text.matchAll(BARE_IPV4)) {
    if ((count += 1) > MAX_CANDIDATES) break;
    const verdict = classifyAddress(m[1]);
    const end = (m.index ?? 0) + m[0].length;
    if (verdict && context.kind === 'text' && CIDR_SUFFIX.test(text.slice(end, end + 4))) {
      consider({ severity: 'low', reason: `${verdict.reason} (a CIDR range)` });
    } else if (verdict)
      consider(
        context.kind === 'text' || hostJudged
          ? { severity: verdict.severity === 'critical' ? 'critical' : 'medium', reason: verdict.reason }
          : verdict,
      );
  }
  if (worst)
    out.push({ detector: 'ssrf', path: context.path, severity: worst.severity, detail: worst.reason });
}
