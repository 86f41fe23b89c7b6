import { describe, expect, it } from 'vitest';
import { DomainError } from '@mandate/common';
import { toolhiveToDecisionRequest, toToolhiveDecision } from './toolhive-mapping';
import type { ToolhiveDecisionRequestDto } from './toolhive-request.dto';

const porc = (over: Partial<ToolhiveDecisionRequestDto> = {}): ToolhiveDecisionRequestDto => ({
  principal: { sub: 'user-1', email: 'ann@acme.example', mgroups: ['eng', 7], mroles: ['dev'] },
  operation: 'mcp:tool:call',
  resource: 'mrn:mcp:github:tool:create_issue',
  context: { mcp: { feature: 'tool', operation: 'call', resource_id: 'create_issue', args: { title: 'x' } } },
  ...over,
});

describe('ToolHive httpv1 → decision request', () => {
  it('maps principal, operation, resource and arguments onto the native contract', () => {
    expect(toolhiveToDecisionRequest('coder', porc())).toEqual({
      agent: 'coder',
      principal: { id: 'user-1', email: 'ann@acme.example', groups: ['eng'] },
      server: { name: 'github' },
      tool: { name: 'create_issue' },
      arguments: { title: 'x' },
      phase: 'call',
    });
  });

  it('maps listing, standard `groups` claims, tool names with colons, and no context', () => {
    const mapped = toolhiveToDecisionRequest(
      'coder',
      porc({
        operation: 'mcp:tool:list',
        resource: 'mrn:mcp:srv:tool:ns:tool',
        principal: { sub: 'u', groups: 'ops' },
        context: undefined,
      }),
    );
    expect(mapped).toMatchObject({
      phase: 'list',
      tool: { name: 'ns:tool' },
      principal: { id: 'u', groups: ['ops'] },
      arguments: {},
    });
  });

  it('has no principal without a subject claim', () => {
    expect(toolhiveToDecisionRequest('coder', porc({ principal: {} })).principal).toBeNull();
  });

  it('refuses prompts, resources, malformed resources and non-object arguments', () => {
    for (const bad of [
      porc({ operation: 'mcp:prompt:get' }),
      porc({ operation: 'mcp:resource:read' }),
      porc({ resource: 'mrn:mcp:github:prompt:x' }),
      porc({ resource: 'github/create_issue' }),
      porc({ context: { mcp: { args: [1, 2] } } }),
    ]) {
      expect(() => toolhiveToDecisionRequest('coder', bad)).toThrow(DomainError);
    }
  });

  it('answers allow only for an allow decision', () => {
    const base = {
      decisionId: 'd',
      reasons: [],
      obligations: {},
      approval: null,
      approvalRequest: null,
      policyRevision: 1,
      consistencyToken: null,
      recorded: true,
    };
    expect(toToolhiveDecision({ ...base, decision: 'allow' })).toEqual({
      allow: true,
      decision: 'allow',
      decisionId: 'd',
      reasons: [],
    });
    expect(toToolhiveDecision({ ...base, decision: 'pending_approval' }).allow).toBe(false);
    expect(toToolhiveDecision({ ...base, decision: 'deny' }).allow).toBe(false);
  });
});
