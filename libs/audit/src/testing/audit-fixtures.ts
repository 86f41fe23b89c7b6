import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AuditEventInput } from '../audit-event';

/** Deterministic PRNG (mulberry32) so property tests are reproducible from their seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function ed25519KeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

const TYPES = ['member.invited', 'api_key.created', 'policy.activated', 'agent.updated', 'grant.revoked'];

/** The n-th sample event of an organisation (pure function of its arguments). */
export function sampleEvent(org: string, n: number, start = Date.UTC(2026, 10, 1)): AuditEventInput {
  return {
    id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    org,
    time: new Date(start + n * 1000),
    type: TYPES[n % TYPES.length],
    actor: { type: n % 3 === 0 ? 'api_key' : 'member', id: `actor-${n % 17}` },
    subject: n % 4 === 0 ? null : { type: 'agent', id: `agent-${n % 29}` },
    data: {
      tool: 'read_file',
      arguments: { path: `/workspace/file-${n}.ts`, password: n % 5 === 0 ? 'hunter2' : undefined },
      note: n % 7 === 0 ? 'déjà vu, "quoted", comma' : 'ok',
      count: n,
    },
    requestId: `req-${n}`,
    ip: n % 2 === 0 ? '203.0.113.7' : null,
  };
}
