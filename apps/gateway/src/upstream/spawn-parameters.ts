import { getDefaultEnvironment, type StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { GatewayEnvironment } from '@mandate/config';
import type { StdioUpstreamConfig } from '../config/gateway-config';

/**
 * THE seam between an upstream's configuration and the process that runs it: every stdio upstream is
 * spawned with what this function returns (a sandbox wrapper — e.g. bubblewrap — is inserted here by
 * turning `command`/`args` into the wrapper's command line).
 *
 * The child gets a scrubbed environment: the MCP SDK's minimal safe set (HOME, LOGNAME, PATH, SHELL, TERM,
 * USER), the variables named in `envPassthrough`, then the config's `env`. Nothing else of the gateway's
 * environment (its API key included) reaches it. `command` and `args` are passed to spawn as an array with
 * `shell: false` by the SDK's StdioClientTransport: no shell ever parses them.
 */
export function spawnParameters(
  upstream: StdioUpstreamConfig,
  env: GatewayEnvironment,
): StdioServerParameters {
  const childEnv: Record<string, string> = { ...getDefaultEnvironment() };
  for (const name of upstream.envPassthrough) {
    const value = env.variable(name);
    if (value !== undefined) childEnv[name] = value;
  }
  Object.assign(childEnv, upstream.env);
  return {
    command: upstream.command,
    args: [...upstream.args],
    env: childEnv,
    cwd: upstream.cwd,
    stderr: 'pipe',
  };
}
