import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import type { Principal } from '../access/principal';
import { AuthService } from './auth.service';

export const BEARER_STRATEGY = 'mandate-bearer';

interface RequestWithHeaders {
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

/**
 * Passport strategy for every bearer credential: member access tokens (JWT) and API keys (`mnd_…`).
 * Resolves to a Principal, or fails (→ 401).
 */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(private readonly auth: AuthService) {
    super();
  }

  async validate(request: RequestWithHeaders): Promise<Principal | false> {
    const token = bearerToken(request);
    if (token === null) return false;
    return (await this.auth.authenticate(token)) ?? false;
  }
}
