import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import type { Principal } from '../access/principal';
import { AuthService } from './auth.service';
import type { RequestWithHeaders } from './bearer-token';

export const BEARER_STRATEGY = 'mandate-bearer';

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
    return (await this.auth.authenticateRequest(request)) ?? false;
  }
}
