import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  isPending,
  type ApprovalState,
  type CallOutcome,
  type Decision,
  type DecisionRequest,
  type RequestContext,
  type ToolDefinition,
} from '@mandate/sdk';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/gateway-config';
import { namespacedToolName, splitToolName } from '../namespacing';
import type { UpstreamTools } from '../upstream/upstream-manager';
import { obligationsOf, redact } from './obligations';

/** Where decisions come from (the SDK's ResilientDecider, or a fake in tests). */
export interface Decider {
  decide(request: DecisionRequest, context?: RequestContext): Promise<Decision>;
  decideBatch(requests: DecisionRequest[], context?: RequestContext): Promise<Decision[]>;
}

/** The parts of Mandate's API the enforcer calls directly (the SDK's MandateClient). */
export interface MandateApi {
  reportCatalog(
    server: { name: string; url?: string },
    tools: ToolDefinition[],
    context?: RequestContext,
  ): Promise<unknown>;
  waitForApproval(id: string, timeoutMs: number, context?: RequestContext): Promise<ApprovalState>;
}

/** The upstream servers (the UpstreamManager, or a fake in tests). */
export interface Upstreams {
  has(name: string): boolean;
  listAll(): Promise<{ listed: UpstreamTools[]; failed: Array<{ upstream: string; error: unknown }> }>;
  callTool(
    upstream: string,
    tool: string,
    args: Record<string, unknown>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<CallToolResult>;
}

/** What the MCP server side knows about the request it serves. */
export interface CallContext {
  session?: string;
  principal?: DecisionRequest['principal'];
  traceparent?: string;
  signal?: AbortSignal;
  /**
   * Shows the client a URL (MCP URL-mode elicitation), when the client supports it. Resolves with the
   * user's action; `unsupported` when the client cannot show one.
   */
  elicitUrl?: (
    url: string,
    message: string,
    elicitationId: string,
  ) => Promise<'accept' | 'decline' | 'cancel' | 'unsupported'>;
}

interface ToolEntry {
  upstream: string;
  url: string;
  tool: Tool;
}

/**
 * Policy enforcement for the gateway: `tools/list` shows only what one batch of `phase: list` decisions
 * allows, `tools/call` runs only on allow (after waiting for an approval when asked), applies obligations,
 * and reports the outcome (`phase: result`) whose decision can still withhold or redact the result.
 */
export class PolicyEnforcer {
  private listing: { at: number; entries: Map<string, ToolEntry>; byUpstream: UpstreamTools[] } | undefined;
  private listingInFlight: Promise<Map<string, ToolEntry>> | undefined;
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly upstreams: Upstreams,
    private readonly decider: Decider,
    private readonly mandate: MandateApi,
    private readonly logger: Logger,
  ) {}

  /** The tools this agent may see, namespaced `<upstream>__<tool>`. */
  async listTools(ctx: CallContext): Promise<Tool[]> {
    const entries = [...(await this.tools(true)).entries()];
    if (entries.length === 0) return [];
    const decisions = await this.decider.decideBatch(
      entries.map(([, entry]) => this.request(entry, {}, 'list', ctx)),
      this.requestContext(ctx),
    );
    const visible: Tool[] = [];
    entries.forEach(([name, entry], i) => {
      if (decisions[i]?.decision === 'allow') visible.push({ ...entry.tool, name });
    });
    this.logger.info(
      {
        agent: this.config.agent.name,
        listed: entries.length,
        visible: visible.length,
        session: ctx.session,
      },
      'tools/list decided',
    );
    return visible;
  }

  /** One tools/call: decide, wait for approval if needed, forward, report the outcome. */
  async callTool(name: string, args: Record<string, unknown>, ctx: CallContext): Promise<CallToolResult> {
    const split = splitToolName(name);
    let entry = split && this.upstreams.has(split.upstream) ? (await this.tools(false)).get(name) : undefined;
    if (split && this.upstreams.has(split.upstream) && !entry)
      entry = (await this.tools(true, true)).get(name);
    if (!entry) return toolError(`Unknown tool ${name}.`);

    const context = this.requestContext(ctx);
    let decision = await this.decider.decide(this.request(entry, args, 'call', ctx), context);
    if (decision.decision === 'pending_approval') {
      const settled = await this.awaitApproval(entry, args, decision, ctx, context);
      if ('refusal' in settled) return settled.refusal;
      decision = settled.decision;
    }
    if (decision.decision !== 'allow') return denial(decision);

    const duties = obligationsOf(decision.obligations);
    const forwarded = redact(args, duties.maskArguments);
    const started = performance.now();
    let result: CallToolResult;
    let outcome: CallOutcome;
    try {
      result = await this.upstreams.callTool(
        entry.upstream,
        entry.tool.name,
        forwarded,
        this.config.callTimeoutSeconds * 1000,
        ctx.signal,
      );
      outcome = { status: result.isError ? 'tool_error' : 'ok', durationMs: elapsed(started) };
    } catch (error) {
      const timedOut = /timed? ?out/i.test(String((error as Error)?.message ?? ''));
      outcome = { status: timedOut ? 'timeout' : 'upstream_error', durationMs: elapsed(started) };
      result = toolError(`The tool ${name} failed${timedOut ? ' (timeout)' : ''}.`);
      this.logger.warn(
        { upstream: entry.upstream, tool: entry.tool.name, err: error },
        'upstream call failed',
      );
    }

    const reported = reportedResult(redact(result, duties.redactResult), outcome);
    const reporting = this.decider.decide(
      {
        ...this.request(entry, redact(args, duties.redactArguments), 'result', ctx),
        result: reported.result,
        outcome,
      },
      { ...context, signal: undefined },
    );
    if (this.config.resultDecision === 'background' && !reported.oversize) {
      reporting
        .then((report) => this.logDone(entry, decision, report, outcome))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'reporting a result failed'));
      return redact(result, duties.redactResult);
    }
    const report = await reporting;
    this.logDone(entry, decision, report, outcome);
    if (reported.oversize) {
      return toolError(
        `The result of ${name} is too large to be checked (over ${MAX_RESULT_BYTES} bytes); it was withheld.`,
      );
    }
    if (report.decision !== 'allow' || report.obligations.block_result === true) {
      return toolError(
        `The result of ${name} was withheld: ${reasonsText(report)} (decision ${report.decisionId}).`,
      );
    }
    const resultDuties = obligationsOf(decision.obligations, report.obligations);
    return redact(result, resultDuties.redactResult);
  }

  private logDone(entry: ToolEntry, decision: Decision, report: Decision, outcome: CallOutcome): void {
    this.logger.info(
      {
        agent: this.config.agent.name,
        upstream: entry.upstream,
        tool: entry.tool.name,
        decisionId: decision.decisionId,
        resultDecisionId: report.decisionId,
        status: outcome.status,
        durationMs: outcome.durationMs,
        source: decision.source,
      },
      'tools/call done',
    );
  }

  /** Waits for the approval a pending decision names; then decides again (the approval now applies). */
  private async awaitApproval(
    entry: ToolEntry,
    args: Record<string, unknown>,
    pending: Decision,
    ctx: CallContext,
    context: RequestContext,
  ): Promise<{ decision: Decision } | { refusal: CallToolResult }> {
    const id = typeof pending.approval?.id === 'string' ? pending.approval.id : undefined;
    const url = typeof pending.approval?.url === 'string' ? pending.approval.url : undefined;
    const why = reasonsText(pending);
    const waitMs = this.config.approvals.waitSeconds * 1000;
    if (!id || waitMs === 0) return { refusal: approvalNeeded(why, url, 'not waited for') };

    const controller = new AbortController();
    if (this.config.approvals.elicitation && url && ctx.elicitUrl) {
      // Shown while we wait; a user who declines or cancels ends the wait.
      ctx
        .elicitUrl(url, `Approval needed: ${why}. Open the link to review the call.`, id)
        .then((action) => {
          if (action === 'decline' || action === 'cancel') controller.abort();
        })
        .catch(() => undefined);
    }
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, controller.signal]) : controller.signal;
    let state: ApprovalState | undefined;
    try {
      state = await this.mandate.waitForApproval(id, waitMs, { ...context, signal });
    } catch (error) {
      if (controller.signal.aborted)
        return { refusal: toolError(`The approval request was declined by the user.`) };
      this.logger.warn({ approvalId: id, err: error }, 'waiting for the approval failed');
      return { refusal: approvalNeeded(why, url, 'could not be checked') };
    }
    if (isPending(state))
      return {
        refusal: approvalNeeded(why, url, `still pending after ${this.config.approvals.waitSeconds} s`),
      };
    if (state.state !== 'approved') {
      return {
        refusal: toolError(`The approval request for this call was ${state.state}; the call was not run.`),
      };
    }
    const again = await this.decider.decide(this.request(entry, args, 'call', ctx), context);
    if (again.decision === 'allow') return { decision: again };
    if (again.decision === 'pending_approval')
      return { refusal: approvalNeeded(reasonsText(again), url, 'needed again') };
    return { refusal: denial(again) };
  }

  private request(
    entry: ToolEntry,
    args: Record<string, unknown>,
    phase: DecisionRequest['phase'],
    ctx: CallContext,
  ): DecisionRequest {
    const principal = ctx.principal ?? this.config.agent.principal ?? null;
    return {
      agent: this.config.agent.name,
      principal,
      server: { name: entry.upstream, url: entry.url },
      tool: { name: entry.tool.name, definition: entry.tool },
      arguments: args,
      phase,
      ...(ctx.session ? { context: { session: ctx.session.slice(0, 256) } } : {}),
    };
  }

  private requestContext(ctx: CallContext): RequestContext {
    return { traceparent: ctx.traceparent, signal: ctx.signal };
  }

  /** The upstreams' tools by namespaced name, listed at most every `toolCacheSeconds` (or now). */
  private async tools(refresh: boolean, force = false): Promise<Map<string, ToolEntry>> {
    const fresh = this.listing && Date.now() - this.listing.at < this.config.toolCacheSeconds * 1000;
    if (this.listing && (fresh || !refresh) && !force) return this.listing.entries;
    this.listingInFlight ??= this.refreshListing().finally(() => {
      this.listingInFlight = undefined;
    });
    return this.listingInFlight;
  }

  private async refreshListing(): Promise<Map<string, ToolEntry>> {
    const { listed, failed } = await this.upstreams.listAll();
    for (const f of failed)
      this.logger.warn({ upstream: f.upstream, err: f.error }, 'listing an upstream failed');
    const entries = new Map<string, ToolEntry>();
    for (const group of listed) {
      for (const tool of group.tools) {
        entries.set(namespacedToolName(group.upstream, tool.name), {
          upstream: group.upstream,
          url: group.url,
          tool,
        });
      }
    }
    await Promise.all(listed.map((group) => this.report(group)));
    this.listing = { at: Date.now(), entries, byUpstream: listed };
    return entries;
  }

  /** Reports an upstream's definitions to the catalog when they changed since the last report. */
  private async report(group: UpstreamTools): Promise<void> {
    const key = JSON.stringify(group.tools);
    if (this.reported.get(group.upstream) === key) return;
    try {
      await this.mandate.reportCatalog({ name: group.upstream, url: group.url }, group.tools);
      this.reported.set(group.upstream, key);
    } catch (error) {
      this.logger.warn({ upstream: group.upstream, err: error }, 'reporting tools to the catalog failed');
    }
  }
}

/** Largest result (as JSON) the decision API checks; a larger one is withheld (fail closed). */
export const MAX_RESULT_BYTES = 500 * 1024;

/** The key under `_meta` of the reported result that carries the call's outcome for policies. */
export const OUTCOME_META_KEY = 'mandate/outcome';

/**
 * The result as reported with phase `result`: the tool's result with the outcome under
 * `_meta["mandate/outcome"]` (policies read `input.result._meta["mandate/outcome"].status`), or only the
 * outcome and size when the result is too large to be checked.
 */
function reportedResult(
  result: CallToolResult,
  outcome: CallOutcome,
): { result: Record<string, unknown>; oversize: boolean } {
  const meta = { ...(result._meta ?? {}), [OUTCOME_META_KEY]: outcome };
  const bytes = Buffer.byteLength(JSON.stringify(result), 'utf8');
  if (bytes > MAX_RESULT_BYTES) {
    return {
      result: {
        content: [],
        isError: true,
        _meta: { [OUTCOME_META_KEY]: { ...outcome, oversizeBytes: bytes } },
      },
      oversize: true,
    };
  }
  return { result: { ...result, _meta: meta }, oversize: false };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function reasonsText(decision: Decision): string {
  const messages = decision.reasons.map((r) => r.message).filter((m) => m.length > 0);
  return messages.length > 0 ? messages.join('; ') : decision.decision;
}

export function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** A deny as an MCP tool error: the policy's reasons are written to be shown to the model. */
function denial(decision: Decision): CallToolResult {
  return {
    ...toolError(`Mandate denied this call: ${reasonsText(decision)} (decision ${decision.decisionId}).`),
    _meta: {
      mandate: { decision: decision.decision, decisionId: decision.decisionId, reasons: decision.reasons },
    },
  };
}

function approvalNeeded(why: string, url: string | undefined, state: string): CallToolResult {
  const where = url ? ` Approve it at ${url} and call the tool again.` : '';
  return {
    ...toolError(`This call needs a human approval (${state}): ${why}.${where}`),
    _meta: { mandate: { decision: 'pending_approval', approvalUrl: url ?? null } },
  };
}
