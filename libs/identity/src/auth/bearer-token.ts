/** An HTTP request as far as its credential goes: its headers (Fastify's request, or a test's object). */
export interface RequestWithHeaders {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Extracts the credential of an `Authorization: Bearer <token>` header, or the API key given as the password
 * of `Authorization: Basic` (clients that can only put credentials in a URL's user info, e.g. ToolHive's
 * HTTP authorizer: `https://gateway:mnd_…@mandate.example/…`; member tokens are never accepted this way);
 * null for anything else.
 */
export function bearerToken(request: RequestWithHeaders): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const value = header.trim();
  const bearer = /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(value);
  if (bearer) return bearer[1];
  const basic = /^Basic ([A-Za-z0-9+/]{1,5464}={0,2})$/i.exec(value);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return decoded.includes(':') && /^mnd_[\x21-\x7e]{1,4092}$/.test(password) ? password : null;
}
