import { Injectable } from '@nestjs/common';
import { AuthService } from './auth.service';
import { bearerToken } from './bearer-token';

/**
 * Decides who may scrape /metrics when it is not public: a bearer credential holding `metrics:read`
 * (owner, admin, auditor, or an admin-scoped API key with one of those roles). The server wires it as
 * its METRICS_AUTHORIZER.
 */
@Injectable()
export class MetricsScrapeAuthorizer {
  constructor(private readonly auth: AuthService) {}

  async canScrape(request: { headers: Record<string, string | string[] | undefined> }): Promise<boolean> {
    const token = bearerToken(request);
    if (token === null) return false;
    const principal = await this.auth.authenticate(token);
    return principal !== null && principal.permissions.has('metrics:read');
  }
}
