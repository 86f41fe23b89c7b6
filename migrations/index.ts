import { Infrastructure1795440000000 } from './1795440000000-infrastructure';
import { Identity1795440045071 } from './1795440045071-identity';
import { Policies1795445000000 } from './1795445000000-policies';
import { Decisions1795450000000 } from './1795450000000-decisions';
import { Audit1795460000000 } from './1795460000000-audit';
import { DecisionFacts1795470000000 } from './1795470000000-decision-facts';
import { Catalog1795480000000 } from './1795480000000-catalog';
import { Grants1795490000000 } from './1795490000000-grants';
import { Approvals1795500000000 } from './1795500000000-approvals';
import { AuditRetention1795510000000 } from './1795510000000-audit-retention';
import { PolicyBundles1795520000000 } from './1795520000000-policy-bundles';
import { Sandbox1795530000000 } from './1795530000000-sandbox';
import { ApiKeyChanges1795545000000 } from './1795545000000-api-key-changes';

/**
 * Every migration, oldest first. Add a new migration class here (never edit one that has been merged).
 * Used by the server at start, `mandate migrate`, the drift check and the test template database.
 */
export const MIGRATIONS = [
  Infrastructure1795440000000,
  Identity1795440045071,
  Policies1795445000000,
  Decisions1795450000000,
  Audit1795460000000,
  DecisionFacts1795470000000,
  Catalog1795480000000,
  Grants1795490000000,
  Approvals1795500000000,
  AuditRetention1795510000000,
  PolicyBundles1795520000000,
  Sandbox1795530000000,
  ApiKeyChanges1795545000000,
];
