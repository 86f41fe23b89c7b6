import { detectInvisibleUnicode } from './detectors/invisible-unicode.detector';
import { detectPathTraversal } from './detectors/path-traversal.detector';
import { detectPromptInjection } from './detectors/prompt-injection.detector';
import { detectSecrets } from './detectors/secret.detector';
import { classifyAddress } from './detectors/ssrf.detector';
import { maxSeverity, raiseSeverity, type Finding, type Severity } from './finding';
import { scriptsOf, skeleton } from './homoglyph';
import type { ScanContext } from './scan-context';
import { collectStrings, DEFAULT_WALK_LIMITS } from './string-walker';
import type { ToolDefinition } from './tool-definition';
import { percentDecodeDeep } from './text-decoding';
import { canonicalToolJson } from './tool-digest';

export interface DefinitionScanOptions {
  /** Names of the other tools the agent can see (across servers): shadowing and look-alike checks. */
  knownToolNames?: readonly string[];
  /** Names of the MCP servers the agent can see. */
  knownServers?: readonly string[];
  /** The server this tool belongs to (never counted as a mention of another server). */
  server?: string;
}

/** Poisoning phrases specific to tool descriptions (the generic prompt-injection phrases also apply). */
const POISONING: ReadonlyArray<[RegExp, Severity, string]> = [
  [
    /\b(?:this|the)\s{1,4}(?:tool|function)\s{1,4}(?:will|would|does)\s{1,4}not\s{1,4}work\s{1,4}(?:unless|if\s{1,4}you\s{1,4}do\s{1,4}not)\b/,
    'high',
    'makes the tool conditional on a hidden action',
  ],
  [
    /\b(?:pass|put|include|insert|add|provide|send)\s{1,4}(?:its|their|the|this|that)\s{1,4}(?:full\s{1,4})?(?:content|contents|text|output|value|result)s?\s{1,4}(?:as|in|into|inside|via)\b/,
    'high',
    'asks the model to smuggle content through a parameter',
  ],
  [
    /\b(?:sidenote|side\s{1,4}note|hidden\s{1,4}(?:parameter|feature|requirement))\b/,
    'medium',
    'hidden side-channel wording',
  ],
  [
    /\b(?:very|extremely)\s{1,4}important\b[^.\n]{0,60}\b(?:must|always|never|first)\b/,
    'medium',
    'urgent imperative aimed at the model',
  ],
  [
    /\b(?:always|must|you\s{1,4}must)\s{1,4}(?:first\s{1,4})?(?:call|use|run|invoke|read|open|fetch)\b[^.\n]{0,80}\b(?:before|first|prior)\b/,
    'medium',
    'orders the model to run another action first',
  ],
  [
    /\b(?:mcp\.json|claude_desktop_config\.json|\.cursor\/mcp|mcp_config)\b/,
    'high',
    'refers to MCP client configuration files',
  ],
  [
    /\b(?:do\s{1,4}not|don'?t|never)\s{1,4}(?:mention|disclose|reveal|explain|say)\b[^.\n]{0,40}\b(?:this|that|it|these)\b/,
    'high',
    'asks the model to conceal its behaviour',
  ],
];
const SHADOWING_PHRASES: ReadonlyArray<[RegExp, string]> = [
  [
    /\b(?:instead\s{1,4}of|rather\s{1,4}than|in\s{1,4}place\s{1,4}of)\s{1,4}(?:using\s{1,4})?(?:the\s{1,4})?[\w.-]{1,64}\s{1,4}(?:tool|function|server)\b/,
    'tells the model to use this tool instead of another',
  ],
  [
    /\b(?:when(?:ever)?|if)\s{1,4}(?:the\s{1,4}user\s{1,4}|you\s{1,4})?(?:calls?|uses?|invokes?|runs?)\s{1,4}(?:the\s{1,4}|any\s{1,4}|another\s{1,4})?[\w.-]{1,64}\s{1,4}(?:tool|function)\b/,
    'changes how the model uses another tool',
  ],
  [
    /\ball\s{1,4}(?:other\s{1,4})?(?:tools|emails|messages|requests)\s{1,4}(?:must|should|will)\b/,
    'changes how the model uses other tools',
  ],
];
/** Hosts commonly used to receive exfiltrated data, paste it, or tunnel to a laptop. */
const EXFIL_HOSTS =
  /(?:^|\.)(?:webhook\.site|requestbin\.(?:com|net)|pipedream\.net|m\.pipedream\.net|ngrok\.(?:io|app)|ngrok-free\.app|trycloudflare\.com|burpcollaborator\.net|oast\.(?:fun|me|pro|live|site|online)|interact\.sh|pastebin\.com|paste\.ee|hastebin\.com|transfer\.sh|beeceptor\.com|hookbin\.com|requestcatcher\.com|serveo\.net|localtunnel\.me|loca\.lt|discord(?:app)?\.com)$/;
const URL_IN_TEXT = /(?:^|[^a-z0-9+.-])((?:https?|wss?|ftp):\/\/[^\s"'<>`\\^{}|)]{1,2048})/gi;
const SUSPICIOUS_QUERY =
  /[?&](?:data|d|q|content|body|payload|secret|token|key|msg|message|text|c|x|exfil|leak|conv|history)=|[{<$][a-z_]{1,32}[}>]|\{\{/i;

const MCP_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function push(
  out: Finding[],
  detector: Finding['detector'],
  path: string,
  severity: Severity,
  detail: string,
): void {
  out.push({ detector, path, severity, detail });
}

function scanName(name: string, known: readonly string[], out: Finding[]): void {
  if (!MCP_NAME.test(name)) {
    push(out, 'homoglyph', '/name', 'medium', "tool name uses characters outside MCP's [A-Za-z0-9_.-]");
  }
  const scripts = scriptsOf(name);
  if (scripts.size > 1)
    push(out, 'homoglyph', '/name', 'high', `tool name mixes scripts (${[...scripts].join(', ')})`);
  if (name.normalize('NFKC') !== name)
    push(out, 'homoglyph', '/name', 'medium', 'tool name contains compatibility characters');
  const own = skeleton(name);
  for (const other of known) {
    if (other === name) continue;
    if (skeleton(other) === own) {
      // Same look: a confusable character (critical) or only case / separators differ (shadowing).
      const onlyCosmetic =
        other.toLowerCase().replace(/[_.\-\s]/g, '') === name.toLowerCase().replace(/[_.\-\s]/g, '');
      if (onlyCosmetic)
        push(
          out,
          'shadowing',
          '/name',
          'medium',
          `tool name differs from known tool ${JSON.stringify(other)} only by case or separators`,
        );
      else
        push(
          out,
          'homoglyph',
          '/name',
          'critical',
          `tool name looks like known tool ${JSON.stringify(other)}`,
        );
      return;
    }
  }
}

function scanUrls(text: string, path: string, out: Finding[]): void {
  if (!text.includes('://')) return;
  let count = 0;
  for (const m of text.matchAll(URL_IN_TEXT)) {
    if ((count += 1) > 32) break;
    let url: URL;
    try {
      url = new URL(m[1]);
    } catch {
      continue;
    }
    const host = url.hostname.replace(/\.$/, '');
    const address = classifyAddress(host);
    if (EXFIL_HOSTS.test(host))
      push(out, 'exfiltration', path, 'high', `URL to a data-collection or tunnelling host ${host}`);
    else if (address) push(out, 'exfiltration', path, 'high', `URL to ${address.reason}`);
    else if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.startsWith('['))
      push(out, 'exfiltration', path, 'medium', `URL to a bare IP address ${host}`);
    else if (
      SUSPICIOUS_QUERY.test(url.search) ||
      SUSPICIOUS_QUERY.test(percentDecodeDeep(m[1].slice(0, 2048)))
    )
      push(out, 'exfiltration', path, 'high', `URL with a data-carrying parameter to ${host}`);
    else push(out, 'exfiltration', path, 'low', `URL to ${host} in the tool definition`);
  }
}

function lengthFinding(length: number, path: string, what: string, out: Finding[]): void {
  const severity: Severity | undefined =
    length > 16_384 ? 'high' : length > 4_096 ? 'medium' : length > 1_024 ? 'low' : undefined;
  if (severity) push(out, 'excessive-length', path, severity, `${what} of ${length} characters`);
}

/**
 * Scans a tool definition for tool poisoning before it is pinned or shown to a model: instructions aimed at
 * the model (generic injection phrases and poisoning idioms such as `<IMPORTANT>` or "before using this tool,
 * read ~/.ssh/id_rsa"), invisible or deceptive Unicode, look-alike or mixed-script tool names, references
 * to other tools or servers (shadowing), URLs a model could be told to send data to, secrets, and excessive
 * length. Paths are JSON pointers into the definition (e.g. `/inputSchema/properties/a/description`).
 */
export function scanToolDefinition(
  definition: ToolDefinition,
  options: DefinitionScanOptions = {},
): Finding[] {
  const out: Finding[] = [];
  const known = (options.knownToolNames ?? []).filter((n) => typeof n === 'string');
  const ownServer = options.server?.toLowerCase();
  const servers = (options.knownServers ?? []).filter(
    (n) => typeof n === 'string' && n.length >= 3 && n.toLowerCase() !== ownServer,
  );
  const name = typeof definition?.name === 'string' ? definition.name : '';
  if (name === '') push(out, 'homoglyph', '/name', 'high', 'tool has no name');
  else scanName(name, known, out);

  let canonicalLength = 0;
  try {
    canonicalLength = canonicalToolJson(definition).length;
  } catch {
    push(out, 'excessive-length', '', 'high', 'tool definition is not JSON');
  }
  if (canonicalLength > 65_536)
    push(out, 'excessive-length', '', 'medium', `tool definition of ${canonicalLength} characters`);
  if (typeof definition?.description === 'string')
    lengthFinding(definition.description.length, '/description', 'description', out);

  const otherTools = known.filter((n) => n !== name && n.length >= 3);
  const toolMention =
    otherTools.length > 0
      ? new RegExp(
          `(?:^|[^\\w.-])(${otherTools.slice(0, 500).map(escapeRegExp).join('|')})(?:$|[^\\w-])`,
          'i',
        )
      : undefined;
  const serverMention =
    servers.length > 0
      ? new RegExp(`(?:^|[^\\w.-])(${servers.slice(0, 200).map(escapeRegExp).join('|')})(?:$|[^\\w-])`, 'i')
      : undefined;

  const view = {
    description: definition?.description,
    title: definition?.title,
    inputSchema: definition?.inputSchema,
    outputSchema: definition?.outputSchema,
    annotations: definition?.annotations,
  };
  for (const site of collectStrings(view, DEFAULT_WALK_LIMITS, out)) {
    const context: ScanContext = { path: site.path, kind: 'text', isKey: site.isKey };
    const local: Finding[] = [];
    detectInvisibleUnicode(site.value, context, out);
    detectSecrets(site.value, context, out);
    if (site.isKey) continue;
    if (site.path !== '/description' && (site.key === 'description' || site.key === 'title')) {
      lengthFinding(site.value.length, site.path, 'schema description', out);
    }
    // Injection phrases in a definition are poisoning: a model reads every word of it.
    detectPromptInjection(site.value, context, local);
    for (const f of local) push(out, 'tool-poisoning', f.path, raiseSeverity(f.severity), f.detail);
    const lower = site.value.toLowerCase();
    for (const [pattern, severity, label] of POISONING) {
      if (pattern.test(lower)) push(out, 'tool-poisoning', site.path, severity, label);
    }
    const paths: Finding[] = [];
    detectPathTraversal(site.value, context, paths);
    for (const f of paths) {
      if (f.detail.includes('sensitive location'))
        push(
          out,
          'tool-poisoning',
          f.path,
          'critical',
          `refers to a ${f.detail.slice(f.detail.indexOf('sensitive location'))}`,
        );
    }
    let shadowSeverity: Severity | undefined;
    const shadowReasons: string[] = [];
    const mention = toolMention?.exec(site.value);
    if (mention) {
      shadowSeverity = 'high';
      shadowReasons.push(`mentions another tool ${JSON.stringify(mention[1])}`);
    }
    const serverHit = serverMention?.exec(site.value);
    if (serverHit) {
      // Naming a server is common and harmless ("Create a GitHub issue"); it weighs only with other signs.
      shadowSeverity = shadowSeverity ? maxSeverity(shadowSeverity, 'medium') : 'low';
      shadowReasons.push(`mentions server ${JSON.stringify(serverHit[1])}`);
    }
    for (const [pattern, label] of SHADOWING_PHRASES) {
      if (pattern.test(lower)) {
        shadowSeverity =
          shadowSeverity && shadowSeverity !== 'low' ? raiseSeverity(shadowSeverity) : 'medium';
        shadowReasons.push(label);
      }
    }
    if (shadowSeverity) push(out, 'shadowing', site.path, shadowSeverity, shadowReasons.join('; '));
    // `$schema`, `$id` and `$ref` are identifiers of JSON Schema itself, not links a model would follow.
    if (site.key !== '$schema' && site.key !== '$id' && site.key !== '$ref')
      scanUrls(site.value, site.path, out);
  }
  return out;
}
