/**
 * What the reference MCP gateway (apps/gateway) reads from its environment. Lives here because libs/config
 * is the only reader of process.env. The gateway's settings are in its config file; the environment only
 * names that file and holds the secrets and pass-through variables the file refers to by name.
 */
export interface GatewayEnvironment {
  /** `MANDATE_GATEWAY_CONFIG`: path of the config file (the `--config` argument wins). */
  configPath: string | undefined;
  /** The value of a variable the config names (`apiKeyEnv`, an upstream's `envPassthrough`). */
  variable(name: string): string | undefined;
}

export function gatewayEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): GatewayEnvironment {
  const configPath = env.MANDATE_GATEWAY_CONFIG?.trim();
  return {
    configPath: configPath ? configPath : undefined,
    variable: (name) => {
      const value = env[name];
      return value === undefined || value === '' ? undefined : value;
    },
  };
}
