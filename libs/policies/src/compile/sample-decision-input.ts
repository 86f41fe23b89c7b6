/**
 * A well-formed input document (the contract of the product brief), evaluated once against every new
 * policy module to prove it loads and runs without error before it can be stored as a version.
 */
export const SAMPLE_DECISION_INPUT = {
  phase: 'call',
  agent: {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'sample-agent',
    labels: {},
    trust: 0,
    owner: null,
  },
  principal: null,
  server: { id: '00000000-0000-4000-8000-000000000002', name: 'sample-server', url: 'https://mcp.example' },
  tool: {
    name: 'sample_tool',
    digest: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
    pinned: true,
    changed: false,
    risk: 'read',
    annotations: {},
  },
  arguments: {},
  findings: [],
  grants: [],
  approval: null,
  context: {
    time: '2026-01-01T00:00:00Z',
    ip: '192.0.2.1',
    gateway: 'sample-gateway',
    session: 'sample-session',
    request_id: 'sample-request',
  },
} as const;
