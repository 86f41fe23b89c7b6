import { Counter, register } from 'prom-client';
import { VIOLATION_KINDS } from '../violations/sandbox-violation';

const NAME = 'mandate_sandbox_violations_total';

/**
 * Sandbox violations reported by gateways, by kind (a closed set: bounded cardinality). Registered once in
 * prom-client's default registry, which the server's and the gateway's /metrics expose.
 */
export const sandboxViolationsTotal: Counter<'kind'> =
  (register.getSingleMetric(NAME) as Counter<'kind'> | undefined) ??
  new Counter({
    name: NAME,
    help: 'Sandbox violations (limit kills, blocked paths, blocked connections), by kind',
    labelNames: ['kind'] as const,
  });

for (const kind of VIOLATION_KINDS) sandboxViolationsTotal.inc({ kind }, 0);
