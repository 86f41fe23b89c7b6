import { isIP } from 'node:net';

/** One allowlist entry: `host` (port 443), `host:port`, `*.domain[:port]` or an IP literal `[:port]`. */
export interface EgressRule {
  readonly host: string;
  readonly wildcard: boolean;
  readonly port: number;
  readonly literalIp: boolean;
}

export function parseEgressRule(entry: string): EgressRule {
  const match = /^(\*\.)?([^:]+)(?::(\d{1,5}))?$/.exec(entry.trim().toLowerCase());
  if (!match?.[2]) throw new Error(`invalid allowlist entry ${entry}`);
  const port = match[3] === undefined ? 443 : Number(match[3]);
  if (port < 1 || port > 65_535) throw new Error(`invalid port in allowlist entry ${entry}`);
  return { host: match[2], wildcard: match[1] !== undefined, port, literalIp: isIP(match[2]) !== 0 };
}

/** The rule that allows `host:port`, if any (host names compare case-insensitively; `*.a.b` matches `x.a.b`). */
export function matchEgress(
  rules: readonly EgressRule[],
  host: string,
  port: number,
): EgressRule | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  return rules.find(
    (rule) => rule.port === port && (rule.wildcard ? name.endsWith(`.${rule.host}`) : name === rule.host),
  );
}
