import type { StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

/**
 * What the upstream manager asks of the sandbox and telemetry (both optional): a sandboxed transport for a
 * stdio upstream (undefined = start it as configured) and a wrapper that traces every upstream transport.
 */
export interface UpstreamHooks {
  sandbox?: { transport(upstream: string, params: StdioServerParameters): Promise<Transport | undefined> };
  instrument?: (upstream: string, transport: Transport) => Transport;
}
