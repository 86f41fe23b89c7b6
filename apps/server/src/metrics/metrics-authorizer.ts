import type { FastifyRequest } from 'fastify';

/**
 * Hook for protecting /metrics when METRICS_PUBLIC=false: the provider under this token decides who may
 * scrape (ServerModule wires identity's MetricsScrapeAuthorizer). It is looked up non-strictly at request
 * time; without one, a private /metrics denies everybody.
 */
export const METRICS_AUTHORIZER = Symbol('METRICS_AUTHORIZER');

export interface MetricsAuthorizer {
  canScrape(request: FastifyRequest): Promise<boolean> | boolean;
}
