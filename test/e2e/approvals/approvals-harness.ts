import { createServer, type Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { verifySignature } from '@mandate/approvals';
import { createAgent, gatewayKey } from '../decisions/decisions-harness';
import { call, login, PASSWORD, seedOrg, type Reply, type SeededOrg } from '../identity/identity-harness';

/**
 * Test policy: `rm` needs 2 approvals of `sre` (mode once); `deploy` one approval with a 3 s window;
 * `drop_table` needs a reason and expires after 3 s; `purge` escalates to `leads` after 1 s and expires after
 * 5 s; an approved request allows.
 */
export const APPROVAL_POLICY = `package mandate

default allow := false

allow if input.approval.status == "approved"

allow if input.tool.name == "read_file"

default require_approval := null

require_approval := {"reason": "rm is destructive", "groups": ["sre"], "quorum": 2, "mode": "once", "ttl": 600} if {
	not allow
	input.tool.name == "rm"
}

require_approval := {"reason": "deploys need a human", "groups": ["sre"], "quorum": 1, "mode": "window", "window": 3, "ttl": 600} if {
	not allow
	input.tool.name == "deploy"
}

require_approval := {"reason": "drop", "groups": ["sre"], "quorum": 1, "ttl": 3, "escalate_after": 1, "escalate_to": ["leads"], "reason_required": true} if {
	not allow
	input.tool.name == "drop_table"
}

require_approval := {"reason": "purge", "groups": ["sre"], "quorum": 1, "ttl": 5, "escalate_after": 1, "escalate_to": ["leads"]} if {
	not allow
	input.tool.name == "purge"
}

decision := {
	"allow": allow,
	"deny": [],
	"require_approval": require_approval,
	"obligations": {"redact_arguments": ["/password"]},
}
`;

export interface Reviewer {
  id: string;
  email: string;
  token: string;
}

export interface ApprovalOrg {
  org: SeededOrg;
  key: string;
  /** Three reviewers in group `sre`. */
  reviewers: [Reviewer, Reviewer, Reviewer];
  /** Owner of the agent `coder`, also in `sre` (must never be able to vote). */
  agentOwner: Reviewer;
  /** In group `leads` only (can vote once a request escalated). */
  lead: Reviewer;
}

async function reviewer(app: NestFastifyApplication, org: SeededOrg, name: string): Promise<Reviewer> {
  const email = `${name}@${org.slug}.example`;
  const res = await call(app, {
    method: 'POST',
    url: '/v1/members',
    token: org.ownerToken,
    body: { email, password: PASSWORD, roles: ['approver'] },
  });
  if (res.status !== 201) throw new Error(`creating ${name} failed: ${res.raw}`);
  return { id: res.body.id as string, email, token: await login(app, email, PASSWORD, org.slug) };
}

export async function group(
  app: NestFastifyApplication,
  org: SeededOrg,
  name: string,
  memberIds: string[],
): Promise<Reply> {
  return call(app, {
    method: 'POST',
    url: '/v1/approver-groups',
    token: org.ownerToken,
    body: { name, memberIds },
  });
}

/** An organisation with reviewers, groups `sre` and `leads`, a gateway key and the agent `coder`. */
export async function seedApprovalOrg(app: NestFastifyApplication, label: string): Promise<ApprovalOrg> {
  const org = await seedOrg(app, label);
  const key = await gatewayKey(app, org);
  const reviewers: Reviewer[] = [];
  for (const n of ['ann', 'bob', 'cid']) reviewers.push(await reviewer(app, org, n));
  const agentOwner = await reviewer(app, org, 'dana');
  const lead = await reviewer(app, org, 'lee');
  const sre = await group(app, org, 'sre', [...reviewers.map((r) => r.id), agentOwner.id]);
  if (sre.status !== 201) throw new Error(`group sre: ${sre.raw}`);
  const leads = await group(app, org, 'leads', [lead.id]);
  if (leads.status !== 201) throw new Error(`group leads: ${leads.raw}`);
  await createAgent(app, org, 'coder', { ownerId: agentOwner.id });
  return { org, key, reviewers: reviewers as ApprovalOrg['reviewers'], agentOwner, lead };
}

export const toolCall = (
  tool: string,
  args: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  agent: 'coder',
  server: { name: 'shell' },
  tool: { name: tool },
  arguments: args,
  phase: 'call',
  ...extra,
});

export function decide(app: NestFastifyApplication, key: string, body: unknown): Promise<Reply> {
  return call(app, { method: 'POST', url: '/v1/decisions', token: key, body });
}

export function vote(
  app: NestFastifyApplication,
  token: string,
  id: string,
  what: 'approve' | 'deny' | 'cancel',
  reason?: string,
): Promise<Reply> {
  return call(app, {
    method: 'POST',
    url: `/v1/approvals/${id}/${what}`,
    token,
    body: reason === undefined ? {} : { reason },
  });
}

export interface ReceivedWebhook {
  key: string;
  event: string;
  status: number;
  signed: boolean;
  body: Record<string, unknown>;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers `status` (changeable). */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  status = 200;
  secret = '';
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Distinct idempotency keys answered with 2xx. */
  delivered(): Set<string> {
    return new Set(this.received.filter((r) => r.status < 300).map((r) => r.key));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const header = req.headers['mandate-signature'];
        this.received.push({
          key: String(req.headers['idempotency-key'] ?? ''),
          event: String(req.headers['mandate-event'] ?? ''),
          status: this.status,
          signed:
            typeof header === 'string' &&
            verifySignature(this.secret, text, header, Math.floor(Date.now() / 1000)),
          body: JSON.parse(text) as Record<string, unknown>,
        });
        res.writeHead(this.status).end();
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    await new Promise((ok) => this.server?.close(ok));
  }
}

export async function subscribe(
  app: NestFastifyApplication,
  org: SeededOrg,
  receiver: WebhookReceiver,
  format: 'mandate' | 'slack' = 'mandate',
): Promise<string> {
  const res = await call(app, {
    method: 'POST',
    url: '/v1/approval-webhooks',
    token: org.ownerToken,
    body: { url: receiver.url, format },
  });
  if (res.status !== 201) throw new Error(`webhook subscription failed: ${res.status} ${res.raw}`);
  receiver.secret = res.body.secret as string;
  return res.body.id as string;
}
