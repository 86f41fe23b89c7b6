import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import type { Principal } from '../access/principal';
import { AuthService } from './auth.service';

export const BEARER_STRATEGY = 'mandate-bearer';

interface RequestWithHeaders {
  headers: Record<string, string | string[] | undefined>;
}

/** Extracts the token of an `Authorization: Bearer <token>` header; null for anything else. */
export function bearerToken(request: RequestWithHeaders): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(header.trim());
  return match?.[1] ?? null;
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
