import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@mandate/config';
import type { DecisionDraft, DecisionOutcome, DecisionStage } from '@mandate/decisions';
import { evaluateArguments, scanResult, type Finding } from '@mandate/gates';
import { ResolvedTools } from './resolved-tools';

/** At most this many findings go into one decision's input (the rest are summarised by one finding). */
export const MAX_FINDINGS = 100;

/** Whether the gates run (GATES_ENABLED); a token so unit tests can pass a plain value. */
export const GATES_ENABLED = Symbol('GATES_ENABLED');

/**
 * Decision stage `gates` (order 200, after `catalog`). Call phase: the arguments are validated against the
 * tool's PINNED input schema (compiled validators cached by schema digest) and scanned by the detectors
 * (shell and SQL injection, path traversal, SSRF, prompt injection, invisible Unicode, secrets). Result
 * phase: the tool's result is scanned for secrets and injected instructions. Findings go to
 * `input.findings` for the policy. After evaluation (settle), a result decision's obligations are made
 * consistent: `block_result: true` never travels with an allow, and a denied result is always blocked.
 */
@Injectable()
export class GatesStage implements DecisionStage {
  readonly name = 'gates';
  readonly order = 200;

  constructor(
    @Inject(GATES_ENABLED) private readonly enabled: boolean,
    private readonly resolved: ResolvedTools,
  ) {}

  prepare(draft: DecisionDraft): void {
    if (!this.enabled) return;
    const { request } = draft;
    let findings: Finding[] = [];
    if (request.phase === 'call') {
      const resolved = this.resolved.get(draft);
      const tool = resolved?.tool ?? null;
      const pinnedSchema = tool?.inputSchema ?? null;
      findings = evaluateArguments({
        schema: pinnedSchema ?? resolved?.presented?.definition.inputSchema ?? {},
        schemaDigest: pinnedSchema !== null ? (tool?.schemaDigest ?? undefined) : undefined,
        arguments: request.arguments,
      });
    } else if (request.phase === 'result') {
      findings = scanResult(request.result ?? null);
    }
    if (findings.length === 0) return;
    draft.input.findings.push(...capped(findings));
    draft.facts.findings = findings.length;
  }

  settle(draft: DecisionDraft, outcome: DecisionOutcome): DecisionOutcome {
    if (draft.request.phase !== 'result') return outcome;
    const obligations = { ...outcome.obligations };
    const redact = obligations.redact_result;
    if (redact !== undefined && !(Array.isArray(redact) && redact.every((p) => typeof p === 'string'))) {
      return {
        decision: 'deny',
        reasons: [{ code: 'malformed_obligation', message: 'the policy returned a malformed redact_result' }],
        obligations: { ...obligations, block_result: true },
        approval: null,
      };
    }
    if (outcome.decision === 'allow' && obligations.block_result === true) {
      return {
        decision: 'deny',
        reasons: [{ code: 'result_blocked', message: 'the policy blocks this tool result' }],
        obligations,
        approval: null,
      };
    }
    if (outcome.decision !== 'allow') obligations.block_result = true;
    return { ...outcome, obligations };
  }
}

function capped(findings: Finding[]): Finding[] {
  if (findings.length <= MAX_FINDINGS) return findings;
  const kept = findings.slice(0, MAX_FINDINGS - 1);
  const worst = findings.slice(MAX_FINDINGS - 1).reduce((a, f) => (rank(f) > rank(a) ? f : a));
  kept.push({
    detector: 'limits',
    path: '',
    severity: worst.severity,
    detail: `${findings.length - kept.length} more findings (worst: ${worst.detector} at ${worst.path})`,
  });
  return kept;
}

const RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;
function rank(f: Finding): number {
  return RANK[f.severity];
}

/** The GATES_ENABLED provider: the boot configuration's `gatesEnabled`. */
export const gatesEnabledProvider = {
  provide: GATES_ENABLED,
  useFactory: (config: AppConfig): boolean => config.gatesEnabled,
  inject: [AppConfig],
};
