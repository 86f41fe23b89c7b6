/** A consistency token: opaque to clients, it names an organisation and a policy revision. */
export interface ConsistencyPoint {
  orgId: string;
  revision: number;
}

const PREFIX = 'mct1.';

export function encodeConsistencyToken(point: ConsistencyPoint): string {
  return PREFIX + Buffer.from(`${point.orgId}:${point.revision}`, 'utf8').toString('base64url');
}

/** The point a token names, or null when it is not a token of this format. */
export function decodeConsistencyToken(token: string): ConsistencyPoint | null {
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  const text = Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8');
  const match = /^([0-9a-f-]{36}):(\d{1,15})$/.exec(text);
  if (!match) return null;
  return { orgId: match[1], revision: Number(match[2]) };
}
