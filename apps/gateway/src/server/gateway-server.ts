import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { CallContext, PolicyEnforcer } from '../enforcement/policy-enforcer';
import { toolError } from '../enforcement/policy-enforcer';
import { traceparentFor } from '../outgoing-headers';
import { gatewayTracing } from '../telemetry/gateway-telemetry';

export const GATEWAY_INFO = { name: 'mandate-gateway', version: '0.1.0' };

/**
 * One MCP server session facing the client: `tools/list` and `tools/call` go through the enforcer; the
 * client's session id (streamable HTTP) or a per-connection id (stdio) is the decision's `context.session`.
 */
export function createGatewayServer(enforcer: PolicyEnforcer, logger: Logger, fixedSession?: string): Server {
  const server = new Server(GATEWAY_INFO, {
    capabilities: { tools: { listChanged: false } },
    instructions:
      'Tools of several MCP servers, namespaced <server>__<tool>; every call is governed by Mandate.',
  });
  const stdioSession = fixedSession ?? randomUUID();

  const contextOf = (extra: { sessionId?: string; signal: AbortSignal }, meta: unknown): CallContext => ({
    session: extra.sessionId ?? stdioSession,
    traceparent: gatewayTracing().traceparent() ?? traceparentFor(meta),
    signal: extra.signal,
    elicitUrl: async (url, message, elicitationId) => {
      if (!server.getClientCapabilities()?.elicitation?.url) return 'unsupported';
      const answer = await server.elicitInput(
        { mode: 'url', url, message, elicitationId },
        { signal: extra.signal },
      );
      return answer.action;
    },
  });

  server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const tools = await enforcer.listTools(contextOf(extra, request.params?._meta));
    return { tools };
  });

  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    // A `tools/call` span (continuing the client's `_meta.traceparent`) around the whole call.
    gatewayTracing().inToolCall(
      request.params.name,
      request.params._meta,
      async (): Promise<CallToolResult> => {
        const args = request.params.arguments ?? {};
        try {
          return await enforcer.callTool(request.params.name, args, contextOf(extra, request.params._meta));
        } catch (error) {
          // Fail closed: nothing ran, or the outcome could not be governed.
          logger.error({ tool: request.params.name, err: error }, 'tools/call failed inside the gateway');
          return toolError(
            'The gateway could not process this call; it was not run or its result was withheld.',
          );
        }
      },
    ),
  );
  return server;
}
