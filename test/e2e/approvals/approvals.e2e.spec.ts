import { randomBytes, randomUUID } from 'node:crypto';
import { ActivePolicyReader } from '@mandate/policies';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../support';
import { fakeStore, FakePolicyStoreModule } from '../decisions/decisions-harness';
import {
  call,
  eventsOf,
  seedOrg,
  startIdentityApp,
  type IdentityHarness,
} from '../identity/identity-harness';
import { waitFor } from '../../infra/wait-for';
import {
  APPROVAL_POLICY,
  decide,
  seedApprovalOrg,
  subscribe,
  toolCall,
  vote,
  WebhookReceiver,
  type ApprovalOrg,
} from './approvals-harness';

describeWithPostgres('approvals: pending → votes → allowed once / within a window', () => {
  let h: IdentityHarness;
  let o: ApprovalOrg;

  const status = (id: string, wait = 0, key = o.key) =>
    call(h.app, { method: 'GET', url: `/v1/approvals/${id}/status?wait=${wait}`, token: key });

  beforeAll(async () => {
    h = await startIdentityApp(
      {
        LOG_LEVEL: 'silent',
        MANDATE_MASTER_KEY: randomBytes(32).toString('base64'),
        APPROVAL_WEBHOOK_MAX_ATTEMPTS: '2',
      },
      [FakePolicyStoreModule],
    );
    fakeStore.baseline = h.app.get(ActivePolicyReader);
    o = await seedApprovalOrg(h.app, 'appr');
    await fakeStore.activate(o.org.orgId, APPROVAL_POLICY);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('binds a request to the exact call, enforces separation of duties and quorum, and allows exactly once', async () => {
    const first = await decide(h.app, o.key, toolCall('rm', { path: '/data', password: 'hunter2' }));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      decision: 'pending_approval',
      reasons: [{ code: 'approval_required' }],
    });
    const approval = first.body.approval;
    expect(approval).toMatchObject({ retryAfter: 5, requirement: { quorum: 2, groups: ['sre'] } });
    expect(approval.url).toMatch(new RegExp(`/approvals/${approval.id}$`));

    // Same call (other key order) → same request; other arguments → another one.
    const again = await decide(h.app, o.key, toolCall('rm', { password: 'hunter2', path: '/data' }));
    expect(again.body.approval.id).toBe(approval.id);
    const other = await decide(h.app, o.key, toolCall('rm', { path: '/tmp', password: 'hunter2' }));
    expect(other.body.approval.id).not.toBe(approval.id);

    // The agent's own owner cannot approve, even as a member of the group; outsiders neither.
    const byOwner = await vote(h.app, o.agentOwner.token, approval.id, 'approve');
    expect(byOwner.status).toBe(403);
    expect(byOwner.body.message).toMatch(/owner of the agent/);
    const byLead = await vote(h.app, o.lead.token, approval.id, 'approve');
    expect(byLead.status).toBe(403);

    // A gateway long-polls while two of three approvers approve.
    const poll = status(approval.id, 20);
    const one = await vote(h.app, o.reviewers[0].token, approval.id, 'approve', 'looks fine');
    expect(one.status, one.raw).toBe(200);
    expect(one.body.state).toBe('pending');
    expect((await vote(h.app, o.reviewers[0].token, approval.id, 'approve')).status).toBe(409);
    const started = Date.now();
    const two = await vote(h.app, o.reviewers[1].token, approval.id, 'approve');
    expect(two.body.state).toBe('approved');
    const polled = await poll;
    expect(polled.status).toBe(200);
    expect(polled.body).toMatchObject({ id: approval.id, state: 'approved', mode: 'once' });
    expect(Date.now() - started).toBeLessThan(15_000); // woken by the change, not by the 20 s timeout

    // The retried call is allowed once, then needs a new approval.
    const allowed = await decide(h.app, o.key, toolCall('rm', { path: '/data', password: 'hunter2' }));
    expect(allowed.body.decision).toBe('allow');
    const second = await decide(h.app, o.key, toolCall('rm', { path: '/data', password: 'hunter2' }));
    expect(second.body.decision).toBe('pending_approval');
    expect(second.body.approval.id).not.toBe(approval.id);
    expect((await status(approval.id)).body.state).toBe('consumed');

    // Detail: exact call, reasons, votes and history; every transition is an audit event.
    const detail = await call(h.app, {
      method: 'GET',
      url: `/v1/approvals/${approval.id}`,
      token: o.reviewers[2].token,
    });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      state: 'consumed',
      arguments: { path: '/data', password: 'hunter2' },
      redactPaths: ['/password'],
      reasons: [{ code: 'approval_required', message: 'rm is destructive' }],
      agent: { name: 'coder' },
    });
    expect(detail.body.votes).toHaveLength(2);
    await waitFor(
      async () => (await eventsOf(h.dataSource, 'approval.consumed', o.org.orgId)).length === 1,
      10_000,
      'approval.consumed',
    );
    const history = await call(h.app, {
      method: 'GET',
      url: `/v1/approvals/${approval.id}`,
      token: o.org.ownerToken,
    });
    expect(history.body.history.map((x: { action: string }) => x.action)).toEqual([
      'requested',
      'vote_cast',
      'vote_cast',
      'approved',
      'consumed',
    ]);
    for (const type of ['approval.requested', 'approval.vote_cast', 'approval.approved']) {
      expect((await eventsOf(h.dataSource, type, o.org.orgId)).length).toBeGreaterThan(0);
    }
    const audited = await h.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE org_id = $1 AND type LIKE 'approval.%'`,
      [o.org.orgId],
    );
    expect(audited[0].n).toBeGreaterThanOrEqual(5);
  });

  it('the principal the agent acts for cannot review, whether named by member id or by e-mail', async () => {
    const byId = await decide(
      h.app,
      o.key,
      toolCall('rm', { path: '/principal' }, { principal: { id: o.reviewers[0].id } }),
    );
    const refused = await vote(h.app, o.reviewers[0].token, byId.body.approval.id, 'approve');
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/principal/);
    const byEmail = await decide(
      h.app,
      o.key,
      toolCall(
        'rm',
        { path: '/principal-2' },
        { principal: { id: 'ext-7', email: o.reviewers[1].email.toUpperCase() } },
      ),
    );
    expect((await vote(h.app, o.reviewers[1].token, byEmail.body.approval.id, 'approve')).status).toBe(403);
    expect((await vote(h.app, o.reviewers[0].token, byEmail.body.approval.id, 'approve')).status).toBe(200);
  });

  it('allows a once-approval for exactly one of many concurrent calls', async () => {
    const args = { path: '/race' };
    const pending = await decide(h.app, o.key, toolCall('rm', args));
    const id = pending.body.approval.id;
    await vote(h.app, o.reviewers[0].token, id, 'approve');
    await vote(h.app, o.reviewers[1].token, id, 'approve');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => decide(h.app, o.key, toolCall('rm', args))),
    );
    expect(answers.filter((a) => a.body.decision === 'allow')).toHaveLength(1);
  });

  it('mode window: calls of the tool are allowed within the window and not after it', async () => {
    const pending = await decide(h.app, o.key, toolCall('deploy', { env: 'prod' }));
    const id = pending.body.approval.id;
    const ok = await vote(h.app, o.reviewers[2].token, id, 'approve');
    expect(ok.body.state).toBe('approved');
    expect((await decide(h.app, o.key, toolCall('deploy', { env: 'prod' }))).body.decision).toBe('allow');
    expect((await decide(h.app, o.key, toolCall('deploy', { env: 'staging' }))).body.decision).toBe('allow');
    expect((await decide(h.app, o.key, toolCall('deploy', { env: 'prod' }))).body.decision).toBe('allow');
    const usableUntil = new Date((await status(id)).body.usableUntil).getTime();
    await new Promise((r) => setTimeout(r, Math.max(0, usableUntil - Date.now()) + 200));
    const after = await decide(h.app, o.key, toolCall('deploy', { env: 'prod' }));
    expect(after.body.decision).toBe('pending_approval');
    expect(after.body.approval.id).not.toBe(id);
  });

  it('one deny vetoes; a denied call asks again with a new request; cancel and batch work', async () => {
    const pending = await decide(h.app, o.key, toolCall('rm', { path: '/veto' }));
    const id = pending.body.approval.id;
    await vote(h.app, o.reviewers[0].token, id, 'approve');
    const denied = await vote(h.app, o.reviewers[1].token, id, 'deny', 'no');
    expect(denied.body.state).toBe('denied');
    expect((await status(id)).body.state).toBe('denied');
    const retry = await decide(h.app, o.key, toolCall('rm', { path: '/veto' }));
    expect(retry.body.decision).toBe('pending_approval');
    expect(retry.body.approval.id).not.toBe(id);

    const cancelled = await vote(h.app, o.org.ownerToken, retry.body.approval.id, 'cancel', 'not needed');
    expect(cancelled.body.state).toBe('cancelled');
    expect((await vote(h.app, o.reviewers[0].token, retry.body.approval.id, 'approve')).status).toBe(409);

    const a = await decide(h.app, o.key, toolCall('rm', { path: '/batch-1' }));
    const b = await decide(h.app, o.key, toolCall('rm', { path: '/batch-2' }));
    const batch = await call(h.app, {
      method: 'POST',
      url: '/v1/approvals/batch',
      token: o.reviewers[2].token,
      body: { ids: [a.body.approval.id, b.body.approval.id, retry.body.approval.id], vote: 'deny' },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, false]);
  });

  it('reason_required, inbox filters, and other organisations see nothing', async () => {
    const pending = await decide(h.app, o.key, toolCall('drop_table', { table: 'users' }));
    const id = pending.body.approval.id;
    const noReason = await vote(h.app, o.reviewers[0].token, id, 'approve');
    expect(noReason.status).toBe(400);
    const inbox = await call(h.app, {
      method: 'GET',
      url: '/v1/approvals?state=pending&tool=drop_table&agent=coder',
      token: o.reviewers[0].token,
    });
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
    const page = await call(h.app, {
      method: 'GET',
      url: '/v1/approvals?limit=2',
      token: o.reviewers[0].token,
    });
    expect(page.body.items).toHaveLength(2);
    const next = await call(h.app, {
      method: 'GET',
      url: `/v1/approvals?limit=2&cursor=${page.body.nextCursor}`,
      token: o.reviewers[0].token,
    });
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);

    const stranger = await seedOrg(h.app, 'stranger');
    expect(
      (await call(h.app, { method: 'GET', url: `/v1/approvals/${id}`, token: stranger.ownerToken })).status,
    ).toBe(404);
    expect((await vote(h.app, stranger.ownerToken, id, 'cancel')).status).toBe(404);
  });
  it('sends signed, redacted webhooks (Mandate and Slack formats), dead-letters failures and replays them', async () => {
    const ok = new WebhookReceiver();
    const slack = new WebhookReceiver();
    const failing = new WebhookReceiver();
    for (const r of [ok, slack, failing]) await r.start();
    try {
      const okId = await subscribe(h.app, o.org, ok);
      const slackId = await subscribe(h.app, o.org, slack, 'slack');
      const failingId = await subscribe(h.app, o.org, failing);
      failing.status = 500;
      const listed = await call(h.app, {
        method: 'GET',
        url: '/v1/approval-webhooks',
        token: o.org.ownerToken,
      });
      expect(listed.raw).not.toContain('whsec_');
      expect(listed.body.map((w: { id: string }) => w.id)).toEqual([okId, slackId, failingId]);

      const pending = await decide(h.app, o.key, toolCall('rm', { path: '/hooks', password: 'hunter2' }));
      const id = pending.body.approval.id as string;
      // Other requests of this organisation may notify meanwhile (expiries): look at this request's deliveries.
      const rows = await h.dataSource.query<Array<{ id: string; subscription_id: string }>>(
        `SELECT id, subscription_id FROM approval_webhook_deliveries WHERE request_id = $1`,
        [id],
      );
      const keyOf = (sub: string) => rows.find((r) => r.subscription_id === sub)!.id;
      const [okKey, slackKey, failingKey] = [keyOf(okId), keyOf(slackId), keyOf(failingId)];
      await waitFor(
        () => Promise.resolve(ok.delivered().has(okKey) && slack.delivered().has(slackKey)),
        15_000,
        'webhooks',
      );
      const okHit = ok.received.find((r) => r.key === okKey)!;
      const body = okHit.body as { type: string; approval: Record<string, unknown> };
      expect(okHit).toMatchObject({ event: 'approval.requested', signed: true });
      expect(body.type).toBe('approval.requested');
      expect(body.approval).toMatchObject({
        id,
        tool: 'rm',
        arguments: { path: '/hooks', password: '[REDACTED]' },
      });
      const slackHit = slack.received.find((r) => r.key === slackKey)!;
      expect(JSON.stringify(slackHit.body)).not.toContain('hunter2');
      expect(slackHit.body.text).toMatch(/approval\.requested/);

      // Two failing tries → dead letter; a replay keeps the idempotency key.
      const dead = await waitFor(
        async () => {
          const res = await call(h.app, {
            method: 'GET',
            url: '/v1/approval-webhooks/dead-letters',
            token: o.org.ownerToken,
          });
          return (res.body as Array<{ id: string }>).find((d) => d.id === failingKey);
        },
        20_000,
        'a dead letter',
      );
      expect(dead).toMatchObject({ subscriptionId: failingId, approvalId: id, state: 'dead', attempts: 2 });
      expect(failing.received.filter((r) => r.key === failingKey)).toHaveLength(2);
      failing.status = 200;
      const replay = await call(h.app, {
        method: 'POST',
        url: `/v1/approval-webhooks/dead-letters/${failingKey}/replay`,
        token: o.org.ownerToken,
      });
      expect(replay.status, replay.raw).toBe(200);
      await waitFor(() => Promise.resolve(failing.delivered().has(failingKey)), 15_000, 'replayed delivery');
      expect(failing.received.filter((r) => r.key === failingKey)).toHaveLength(3);
      const deadEvents = await eventsOf(h.dataSource, 'approval.webhook_dead_lettered', o.org.orgId);
      expect(deadEvents.some((e) => e.subject_id === failingKey)).toBe(true);
    } finally {
      for (const r of [ok, slack, failing]) await r.stop();
      const subs = await call(h.app, {
        method: 'GET',
        url: '/v1/approval-webhooks',
        token: o.org.ownerToken,
      });
      for (const sub of subs.body as Array<{ id: string }>) {
        await call(h.app, {
          method: 'DELETE',
          url: `/v1/approval-webhooks/${sub.id}`,
          token: o.org.ownerToken,
        });
      }
    }
  });
  it('answers bad input with clear 4xx, never 500', async () => {
    const id = (await decide(h.app, o.key, toolCall('rm', { path: '/bad-input' }))).body.approval
      .id as string;
    const t = o.reviewers[0].token;
    const cases: Array<[string, string, unknown, number]> = [
      ['GET', `/v1/approvals/${id}/status?wait=61`, undefined, 400],
      ['GET', `/v1/approvals/${id}/status?wait=abc`, undefined, 400],
      ['GET', '/v1/approvals/not-a-uuid', undefined, 400],
      ['GET', '/v1/approvals?state=bogus', undefined, 400],
      ['GET', '/v1/approvals?cursor=%%%', undefined, 400],
      ['GET', '/v1/approvals?cursor=eyJ0IjoxfQ', undefined, 400],
      ['POST', `/v1/approvals/${id}/approve`, { reason: 'x'.repeat(2001) }, 400],
      ['POST', `/v1/approvals/${id}/approve`, { reason: 'ok', extra: true }, 400],
      ['POST', '/v1/approvals/batch', { ids: ['nope'], vote: 'approve' }, 400],
      ['POST', '/v1/approvals/batch', { ids: [id], vote: 'maybe' }, 400],
      ['POST', '/v1/approver-groups', { name: 'Bad Name' }, 400],
      ['POST', '/v1/approver-groups', { name: 'ok-name', memberIds: [randomUUID()] }, 400],
      ['POST', '/v1/approval-webhooks', { url: 'ftp://example.com/x' }, 400],
    ];
    for (const [method, url, body, expected] of cases) {
      const token =
        url.startsWith('/v1/approver-groups') || url.startsWith('/v1/approval-webhooks')
          ? o.org.ownerToken
          : t;
      const res = await call(h.app, {
        method: method as 'GET',
        url,
        token: url.includes('/status') ? o.key : token,
        body,
      });
      expect(res.status, `${method} ${url} ${res.raw}`).toBe(expected);
      expect(res.body).toMatchObject({ code: expect.any(String), requestId: expect.any(String) });
    }
  });
});
