import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  failClosed,
  type ApprovalState,
  type Decision,
  type DecisionRequest,
  type RequestContext,
} from '@mandate/sdk';
import { gatewayConfigSchema, type GatewayConfig } from '../config/gateway-config';
import type { UpstreamTools } from '../upstream/upstream-manager';
import { PolicyEnforcer, type Decider, type MandateApi, type Upstreams } from './policy-enforcer';

/** JSON of arbitrary shape, asserted on by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const tool = (name: string): Tool => ({ name, inputSchema: { type: 'object' } });

function decision(value: Decision['decision'], extra: Partial<Decision> = {}): Decision {
  return {
    decision: value,
    decisionId: `d-${Math.random()}`,
    reasons: value === 'deny' ? [{ code: 'policy_deny', message: 'no way' }] : [],
    obligations: {},
    approval: null,
    policyRevision: 1,
    consistencyToken: null,
    source: 'remote',
    ...extra,
  };
}

/** Decides with a function of the request; remembers every request. */
class FakeDecider implements Decider {
  requests: DecisionRequest[] = [];
  constructor(public rule: (r: DecisionRequest, n: number) => Decision) {}
  decide(request: DecisionRequest): Promise<Decision> {
    this.requests.push(request);
    return Promise.resolve(this.rule(request, this.requests.length));
  }
  decideBatch(requests: DecisionRequest[]): Promise<Decision[]> {
    return Promise.all(requests.map((r) => this.decide(r)));
  }
}

class FakeUpstreams implements Upstreams {
  calls: Array<{ upstream: string; tool: string; args: Record<string, unknown> }> = [];
  listings = 0;
  answer: (tool: string, args: Record<string, unknown>) => Promise<CallToolResult> = (t, a) =>
    Promise.resolve({ content: [{ type: 'text', text: `${t}:${JSON.stringify(a)}` }] });
  has(name: string) {
    return name === 'fs' || name === 'misc';
  }
  listAll(): Promise<{ listed: UpstreamTools[]; failed: Array<{ upstream: string; error: unknown }> }> {
    this.listings += 1;
    return Promise.resolve({
      listed: [
        { upstream: 'fs', url: 'stdio://fs', tools: [tool('read_file'), tool('write_file')] },
        { upstream: 'misc', url: 'stdio://misc', tools: [tool('echo')] },
      ],
      failed: [],
    });
  }
  callTool(upstream: string, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    this.calls.push({ upstream, tool: name, args });
    return this.answer(name, args);
  }
}

class FakeMandate implements MandateApi {
  reports: Array<{ server: string; tools: number }> = [];
  states: ApprovalState[] = [];
  waits: Array<{ id: string; timeoutMs: number }> = [];
  reportCatalog(server: { name: string }, tools: unknown[]): Promise<unknown> {
    this.reports.push({ server: server.name, tools: tools.length });
    return Promise.resolve({});
  }
  waitForApproval(id: string, timeoutMs: number): Promise<ApprovalState> {
    this.waits.push({ id, timeoutMs });
    return Promise.resolve(this.states.shift() ?? { id, state: 'pending' });
  }
}

const config: GatewayConfig = {
  ...gatewayConfigSchema.parse({
    mandate: { url: 'http://127.0.0.1:1', apiKeyEnv: 'K' },
    agent: { name: 'coder', principal: { id: 'u-1' } },
    approvals: { waitSeconds: 5, elicitation: true },
    listen: { stdio: true },
    upstreams: [{ name: 'fs', transport: 'stdio', command: 'node' }],
  }),
  apiKey: 'mnd_test_key',
  cacheDir: undefined,
};

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('PolicyEnforcer', () => {
  let decider: FakeDecider;
  let upstreams: FakeUpstreams;
  let mandate: FakeMandate;
  let enforcer: PolicyEnforcer;

  beforeEach(() => {
    decider = new FakeDecider((r) => decision(r.tool.name === 'write_file' ? 'deny' : 'allow'));
    upstreams = new FakeUpstreams();
    mandate = new FakeMandate();
    enforcer = new PolicyEnforcer(config, upstreams, decider, mandate, pino({ level: 'silent' }));
  });

  it('lists with one phase-list decision per tool (with its definition) and shows only allowed tools', async () => {
    const tools = await enforcer.listTools({ session: 's1' });
    expect(tools.map((t) => t.name)).toEqual(['fs__read_file', 'misc__echo']);
    expect(decider.requests.map((r) => [r.phase, r.server.name, r.tool.name])).toEqual([
      ['list', 'fs', 'read_file'],
      ['list', 'fs', 'write_file'],
      ['list', 'misc', 'echo'],
    ]);
    expect(decider.requests[0]).toMatchObject({
      agent: 'coder',
      principal: { id: 'u-1' },
      tool: { definition: { name: 'read_file', inputSchema: { type: 'object' } } },
      context: { session: 's1' },
    });
    expect(mandate.reports).toEqual([
      { server: 'fs', tools: 2 },
      { server: 'misc', tools: 1 },
    ]);
    // Unchanged definitions are not reported again.
    await enforcer.listTools({});
    expect(mandate.reports).toHaveLength(2);
  });

  it('forwards an allowed call, then reports its outcome as a phase-result decision', async () => {
    const result = await enforcer.callTool('fs__read_file', { path: '/a' }, {});
    expect(text(result)).toBe('read_file:{"path":"/a"}');
    expect(upstreams.calls).toEqual([{ upstream: 'fs', tool: 'read_file', args: { path: '/a' } }]);
    const [call, report] = decider.requests;
    expect(call).toMatchObject({ phase: 'call', arguments: { path: '/a' } });
    expect(report).toMatchObject({
      phase: 'result',
      outcome: { status: 'ok' },
      result: { ...result, _meta: { 'mandate/outcome': { status: 'ok' } } },
    });
    expect(report.outcome!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses a denied call with the reasons and never calls the upstream', async () => {
    const result = await enforcer.callTool('fs__write_file', { path: '/a' }, {});
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('no way');
    expect(upstreams.calls).toEqual([]);
    expect(decider.requests.map((r) => r.phase)).toEqual(['call']);
  });

  it('fails closed: a fail-closed deny from the decider refuses the call', async () => {
    decider.rule = () => failClosed('mandate_unavailable', 'Mandate is unreachable');
    const result = await enforcer.callTool('fs__read_file', {}, {});
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Mandate is unreachable');
    expect(upstreams.calls).toEqual([]);
  });

  it('refuses unknown tools and unknown upstreams without deciding', async () => {
    expect((await enforcer.callTool('fs__nope', {}, {})).isError).toBe(true);
    expect((await enforcer.callTool('other__read_file', {}, {})).isError).toBe(true);
    expect((await enforcer.callTool('read_file', {}, {})).isError).toBe(true);
    expect(decider.requests).toEqual([]);
  });

  it('masks arguments sent to the tool, redacts reported arguments and the result per obligations', async () => {
    decider.rule = (r) =>
      r.phase === 'call'
        ? decision('allow', {
            obligations: {
              mask_arguments: ['/password'],
              redact_arguments: ['arguments.email'],
              redact_result: ['/content/0/text'],
            },
          })
        : decision('allow');
    const result = await enforcer.callTool('fs__read_file', { password: 'p', email: 'e', path: '/x' }, {});
    expect(upstreams.calls[0].args).toEqual({ password: '[redacted]', email: 'e', path: '/x' });
    expect(decider.requests[1].arguments).toEqual({ password: 'p', email: '[redacted]', path: '/x' });
    expect(text(result)).toBe('[redacted]');
  });

  it('withholds a result that the phase-result decision denies', async () => {
    decider.rule = (r) => decision(r.phase === 'result' ? 'deny' : 'allow');
    const result = await enforcer.callTool('fs__read_file', {}, {});
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('withheld');
    expect(upstreams.calls).toHaveLength(1);
  });

  it('withholds a result too large to be checked, reporting only its outcome', async () => {
    upstreams.answer = () => Promise.resolve({ content: [{ type: 'text', text: 'x'.repeat(600 * 1024) }] });
    const result = await enforcer.callTool('fs__read_file', {}, {});
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('too large');
    const reported = decider.requests[1].result as Loose;
    expect(reported.content).toEqual([]);
    expect(reported._meta['mandate/outcome'].oversizeBytes).toBeGreaterThan(600 * 1024);
  });

  it('in background mode answers without waiting for the result decision (still made)', async () => {
    const background = new PolicyEnforcer(
      { ...config, resultDecision: 'background' },
      upstreams,
      decider,
      mandate,
      pino({ level: 'silent' }),
    );
    let release: (d: Decision) => void = () => undefined;
    decider.rule = () => decision('allow');
    const original = decider.decide.bind(decider);
    decider.decide = (r) =>
      r.phase === 'result' ? (original(r), new Promise<Decision>((res) => (release = res))) : original(r);
    const result = await background.callTool('fs__read_file', { path: '/a' }, {});
    expect(result.isError).toBeFalsy();
    expect(decider.requests.map((r) => r.phase)).toEqual(['call', 'result']);
    release(decision('allow'));
  });

  it('reports a failing upstream as upstream_error and answers a tool error', async () => {
    upstreams.answer = () => Promise.reject(new Error('boom'));
    const result = await enforcer.callTool('fs__read_file', {}, {});
    expect(result.isError).toBe(true);
    expect(decider.requests[1]).toMatchObject({ phase: 'result', outcome: { status: 'upstream_error' } });
  });

  describe('pending approval', () => {
    const pending = () =>
      decision('pending_approval', {
        reasons: [{ code: 'approval_required', message: 'writes need a human' }],
        approval: { id: 'ap-1', url: 'https://mandate.example/approvals/ap-1', retryAfter: 5 },
      });

    it('waits, and runs the call once the approval arrives and the repeated decision allows it', async () => {
      decider.rule = (r, n) => (r.phase === 'call' && n === 1 ? pending() : decision('allow'));
      mandate.states = [{ id: 'ap-1', state: 'approved', mode: 'once' }];
      const shown: string[] = [];
      const result = await enforcer.callTool(
        'fs__write_file',
        { path: '/a' },
        {
          elicitUrl: (url) => {
            shown.push(url);
            return Promise.resolve('accept');
          },
        },
      );
      expect(result.isError).toBeFalsy();
      expect(mandate.waits).toEqual([{ id: 'ap-1', timeoutMs: 5000 }]);
      expect(shown).toEqual(['https://mandate.example/approvals/ap-1']);
      expect(decider.requests.map((r) => r.phase)).toEqual(['call', 'call', 'result']);
      expect(upstreams.calls).toHaveLength(1);
    });

    it('answers with the approval URL when it is still pending after the wait', async () => {
      decider.rule = () => pending();
      const result = await enforcer.callTool('fs__write_file', {}, {});
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('https://mandate.example/approvals/ap-1');
      expect(text(result)).toContain('writes need a human');
      expect(upstreams.calls).toEqual([]);
    });

    it('does not run a denied or expired approval', async () => {
      decider.rule = () => pending();
      mandate.states = [{ id: 'ap-1', state: 'denied' }];
      const result = await enforcer.callTool('fs__write_file', {}, {});
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('denied');
      expect(upstreams.calls).toEqual([]);
    });

    it('stops waiting when the user declines the elicitation', async () => {
      decider.rule = () => pending();
      mandate.waitForApproval = (_id: string, _t: number, context?: RequestContext) =>
        new Promise<ApprovalState>((_resolve, reject) => {
          context?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        });
      const result = await enforcer.callTool(
        'fs__write_file',
        {},
        { elicitUrl: () => Promise.resolve('decline') },
      );
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('declined');
      expect(upstreams.calls).toEqual([]);
    });
  });
});
