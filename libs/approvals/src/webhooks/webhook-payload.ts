import { redactArguments } from '../shared/approval-rules';
import type { ApprovalRequestEntity } from '../requests/approval-request.entity';

/**
 * The body of an approval notification. Arguments are redacted per the policy
 * (`obligations.redact_arguments`); the full call is only in the authenticated API/console.
 */
export function notificationPayload(
  request: ApprovalRequestEntity,
  eventType: string,
  url: string,
  deliveryId: string,
): Record<string, unknown> {
  return {
    id: deliveryId,
    type: eventType,
    approval: {
      id: request.id,
      url,
      state: request.state,
      agent: request.agentName,
      server: request.server,
      tool: request.tool,
      argumentsHash: request.argsHash,
      arguments: redactArguments(request.arguments, request.redactPaths),
      reason: typeof request.requirement.reason === 'string' ? request.requirement.reason : null,
      groups: request.escalatedAt ? [...request.groups, ...request.escalateTo] : request.groups,
      quorum: request.quorum,
      mode: request.mode,
      expiresAt: request.expiresAt.toISOString(),
    },
  };
}

/** The same notification as a Slack-compatible incoming-webhook message. */
export function slackPayload(payload: Record<string, unknown>): Record<string, unknown> {
  const a = payload.approval as Record<string, unknown>;
  const title = `Mandate ${String(payload.type)}: ${String(a.agent)} → ${String(a.server)}/${String(a.tool)}`;
  const args = JSON.stringify(a.arguments, null, 2).slice(0, 2500);
  return {
    text: `${title} (${String(a.state)})`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*${title}*\n${typeof a.reason === 'string' ? a.reason : ''}` },
      },
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${args}\`\`\`` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `state *${String(a.state)}* · quorum ${String(a.quorum)} · <${String(a.url)}|open>`,
          },
        ],
      },
    ],
  };
}
