import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DomainError, ErrorCode } from '@mandate/common';
import { AppConfig } from '@mandate/config';
import type { FastifyRequest } from 'fastify';
import { METRICS_AUTHORIZER, type MetricsAuthorizer } from './metrics-authorizer';

/**
 * Lets anyone scrape when METRICS_PUBLIC=true; otherwise asks the MetricsAuthorizer provided anywhere in
 * the app (looked up non-strictly), and denies when there is none.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.config.metricsPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const authorizer = this.findAuthorizer();
    if (authorizer && (await authorizer.canScrape(request))) return true;
    throw new DomainError(ErrorCode.Unauthenticated, 'Metrics require authentication');
  }

  private findAuthorizer(): MetricsAuthorizer | undefined {
    try {
      return this.moduleRef.get<MetricsAuthorizer>(METRICS_AUTHORIZER, { strict: false });
    } catch {
      return undefined;
    }
  }
}
