import type { StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  SandboxSetupError,
  SandboxedStdioTransport,
  buildSandboxCommand,
  nodeHostFileSystem,
  parseSandboxProfileSpec,
  preflightSandbox,
  sandboxProfileDigest,
  sandboxViolationsTotal,
  startEgressProxy,
  type SandboxCommand,
  type SandboxHost,
  type SandboxProfileSpec,
  type SandboxViolation,
} from '@mandate/sandbox';
import type { Logger } from 'pino';
import type { SandboxConfig } from './sandbox-config';
import type { SandboxApi } from './sandbox-api';

/** The profile an upstream runs under (reported in logs, violations and by `applied()`). */
export interface AppliedProfile {
  name: string;
  digest: string;
  revision: number | null;
  source: 'mandate' | 'local';
}

/** Port of the egress forwarder inside a sandbox (its own network namespace: no clash possible). */
const EGRESS_PORT = 3128;

interface ReportWindow {
  last: number;
  suppressed: number;
}

/**
 * Runs stdio upstreams under bubblewrap. Created once at gateway start (the preflight proves a sandbox can
 * be built here, or the gateway refuses to start); `transport()` is called on every (re)connect, so a
 * changed profile applies at the next restart of the server. Violations are logged, counted and reported
 * to Mandate (at most one report per upstream and kind per `reportIntervalMs`).
 */
export class GatewaySandbox {
  private readonly appliedProfiles = new Map<string, AppliedProfile>();
  private readonly windows = new Map<string, ReportWindow>();

  private constructor(
    private readonly config: SandboxConfig,
    private readonly host: SandboxHost,
    private readonly api: SandboxApi | undefined,
    private readonly logger: Logger,
    private readonly extraHidden: readonly string[],
    private readonly gatewayName: string | undefined,
  ) {}

  static async start(
    config: SandboxConfig,
    options: { api?: SandboxApi; logger: Logger; extraHidden?: string[]; gatewayName?: string },
  ): Promise<GatewaySandbox> {
    for (const [name, spec] of [
      ...Object.entries(config.profiles),
      ...(config.defaultProfile ? [['defaultProfile', config.defaultProfile] as const] : []),
    ]) {
      const parsed = parseSandboxProfileSpec(spec);
      if (!parsed.ok) {
        throw new SandboxSetupError('profile_invalid', `local profile ${name} is invalid`, {
          issues: parsed.issues,
        });
      }
    }
    const host = await preflightSandbox({ runAs: config.runAs });
    options.logger.info(
      { bwrap: host.bwrap, runAs: host.runAs ?? null, source: config.source },
      'sandbox ready: stdio upstreams run under bubblewrap',
    );
    return new GatewaySandbox(
      config,
      host,
      options.api,
      options.logger,
      options.extraHidden ?? [],
      options.gatewayName,
    );
  }

  /** What each started upstream runs under. */
  applied(upstream: string): AppliedProfile | undefined {
    return this.appliedProfiles.get(upstream);
  }

  /**
   * The transport for one stdio upstream under its profile; undefined only when no profile applies and the
   * sandbox is not `required`. Throws {@link SandboxSetupError} (the upstream does not start) otherwise.
   */
  async transport(upstream: string, params: StdioServerParameters): Promise<Transport | undefined> {
    const chosen = await this.profileFor(upstream);
    if (!chosen) {
      this.logger.warn(
        { upstream },
        'no sandbox profile applies: the upstream runs unsandboxed (sandbox.required=false)',
      );
      return undefined;
    }
    // An allowlist profile reaches the network only through this upstream's own egress proxy.
    const proxy =
      chosen.spec.network.mode === 'allowlist'
        ? await startEgressProxy({
            hosts: chosen.spec.network.hosts,
            onViolation: (violation) => this.violation(upstream, chosen.applied, violation),
          })
        : undefined;
    let command: SandboxCommand;
    try {
      command = buildSandboxCommand(
        chosen.spec,
        { command: params.command, args: params.args ?? [], env: params.env, cwd: params.cwd },
        this.host,
        {
          fs: nodeHostFileSystem,
          extraHidden: this.extraHidden,
          egress: proxy && { socketDir: proxy.socketDir, socketPath: proxy.socketPath, port: EGRESS_PORT },
        },
      );
    } catch (error) {
      await proxy?.close();
      throw error;
    }
    this.appliedProfiles.set(upstream, chosen.applied);
    this.logger.info(
      {
        upstream,
        profile: chosen.applied.name,
        digest: chosen.applied.digest,
        network: chosen.spec.network.mode,
        droppedEnv: command.droppedEnv,
      },
      'starting upstream in its sandbox',
    );
    return new SandboxedStdioTransport({
      command,
      callTimeoutMs: chosen.spec.limits.wallClockMsPerCall,
      onViolation: (violation) => this.violation(upstream, chosen.applied, violation),
      onStderrLine: (line) => this.logger.debug({ upstream, stderr: line.slice(0, 2000) }, 'upstream stderr'),
      onExit: (exit) => {
        this.logger.info({ upstream, ...exit }, 'sandboxed upstream exited');
        void proxy?.close();
      },
    });
  }

  private async profileFor(
    upstream: string,
  ): Promise<{ spec: SandboxProfileSpec; applied: AppliedProfile } | undefined> {
    if (this.config.source === 'mandate' && this.api) {
      let resolution: Awaited<ReturnType<SandboxApi['resolve']>>;
      try {
        resolution = await this.api.resolve(upstream);
      } catch (error) {
        throw new SandboxSetupError(
          'profile_unavailable',
          `the sandbox profile of ${upstream} could not be fetched from Mandate: ${String((error as Error)?.message ?? error)}`,
        );
      }
      if (resolution.quarantine) {
        throw new SandboxSetupError(
          'server_quarantined',
          `${upstream} is quarantined in Mandate after a sandbox violation (${resolution.quarantine.kind}); an admin must release it`,
        );
      }
      if (resolution.profile) {
        const parsed = parseSandboxProfileSpec(resolution.profile.spec);
        if (!parsed.ok) {
          throw new SandboxSetupError(
            'profile_invalid',
            `the profile Mandate gave for ${upstream} is invalid here`,
            {
              issues: parsed.issues,
            },
          );
        }
        return {
          spec: parsed.spec,
          applied: {
            name: resolution.profile.name,
            digest: sandboxProfileDigest(parsed.spec),
            revision: resolution.profile.revision,
            source: 'mandate',
          },
        };
      }
    }
    const local = this.config.profiles[upstream] ?? this.config.defaultProfile;
    if (local) {
      const parsed = parseSandboxProfileSpec(local);
      if (!parsed.ok)
        throw new SandboxSetupError('profile_invalid', `local profile of ${upstream} is invalid`);
      const name = this.config.profiles[upstream] ? `local:${upstream}` : 'local:default';
      return {
        spec: parsed.spec,
        applied: { name, digest: sandboxProfileDigest(parsed.spec), revision: null, source: 'local' },
      };
    }
    if (this.config.required) {
      throw new SandboxSetupError(
        'no_profile',
        `no sandbox profile applies to ${upstream} (sandbox.required is true)`,
      );
    }
    return undefined;
  }

  private violation(upstream: string, applied: AppliedProfile, violation: SandboxViolation): void {
    sandboxViolationsTotal.inc({ kind: violation.kind });
    this.logger.warn(
      { upstream, profile: applied.name, digest: applied.digest, violation },
      'sandbox violation',
    );
    if (!this.api || !this.config.reportViolations) return;
    const key = `${upstream}\u0000${violation.kind}`;
    const now = Date.now();
    const window = this.windows.get(key);
    if (window && now - window.last < this.config.reportIntervalMs) {
      window.suppressed += 1;
      return;
    }
    const suppressed = window?.suppressed ?? 0;
    this.windows.set(key, { last: now, suppressed: 0 });
    const detail =
      suppressed > 0 ? `${violation.detail} (+${suppressed} more since the last report)` : violation.detail;
    this.api
      .report({
        server: upstream,
        tool: violation.tool || undefined,
        kind: violation.kind,
        source: violation.source,
        detail: detail.slice(0, 300),
        profileDigest: applied.digest,
        gateway: this.gatewayName,
      })
      .catch((error: unknown) =>
        this.logger.warn({ upstream, err: error }, 'reporting a sandbox violation failed'),
      );
  }
}
