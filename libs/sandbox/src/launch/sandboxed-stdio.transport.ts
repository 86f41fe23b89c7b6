import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { violationOfExit, violationsInText, type SandboxViolation } from '../violations/sandbox-violation';
import type { SandboxCommand } from './build-sandbox-command';

export interface SandboxedStdioOptions {
  readonly command: SandboxCommand;
  /** Called for every violation seen on stderr or at exit. */
  readonly onViolation?: (violation: SandboxViolation) => void;
  /** Every stderr line (already bounded to 4 KiB), e.g. for the gateway's log. */
  readonly onStderrLine?: (line: string) => void;
  readonly onExit?: (exit: { code: number | null; signal: NodeJS.Signals | null }) => void;
  /** Largest JSON-RPC message accepted from the server; bigger closes the transport. Default 10 MiB. */
  readonly maxMessageBytes?: number;
  /**
   * Wall-clock limit of one `tools/call`: past it the sandbox is killed (every process in it), a
   * `wall_clock` violation is reported and the transport closes (the caller reconnects = restarts).
   */
  readonly callTimeoutMs?: number;
}

/**
 * MCP stdio client transport for a sandboxed server: spawns the bubblewrap command (argument array, no
 * shell), frames JSON-RPC over stdin/stdout, watches stderr and the exit for violations, and can kill the
 * whole sandbox (bubblewrap runs the server as PID 1 of its own PID namespace, so killing it ends every
 * process inside).
 */
export class SandboxedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child?: ChildProcess;
  private readonly buffer: ReadBuffer;
  private stoppedByUs = false;
  private closed = false;
  private readonly calls = new Map<string | number, { tool: string; timer?: NodeJS.Timeout }>();

  constructor(private readonly options: SandboxedStdioOptions) {
    this.buffer = new ReadBuffer({ maxBufferSize: options.maxMessageBytes ?? 10 * 1024 * 1024 });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child) return Promise.reject(new Error('SandboxedStdioTransport already started'));
    const { command } = this.options;
    return new Promise((resolve, reject) => {
      const child = spawn(command.command, command.args, {
        env: command.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
      });
      this.child = child;
      child.once('error', (error) => {
        reject(error);
        this.onerror?.(error);
        this.finish();
      });
      child.once('spawn', () => resolve());
      child.once('exit', (code, signal) => {
        this.options.onExit?.({ code, signal });
        const violation = violationOfExit(code, signal, this.stoppedByUs);
        if (violation) this.options.onViolation?.(violation);
        this.finish();
      });
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('data', (chunk: Buffer) => {
        try {
          this.buffer.append(chunk);
          for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage()) {
            this.observeResponse(message);
            this.onmessage?.(message);
          }
        } catch (error) {
          this.onerror?.(error instanceof Error ? error : new Error(String(error)));
          void this.kill();
        }
      });
      if (child.stderr) {
        const lines = createInterface({ input: child.stderr, crlfDelay: Infinity });
        lines.on('line', (raw) => {
          const line = raw.slice(0, 4096);
          this.options.onStderrLine?.(line);
          for (const violation of violationsInText(line, 'stderr')) this.options.onViolation?.(violation);
        });
      }
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    this.observeRequest(message);
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || this.closed) return reject(new Error('sandboxed server is not running'));
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Ends the server gracefully (stdin closed), killing it after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    const child = this.child;
    if (!child || this.closed) return;
    this.stoppedByUs = true;
    child.stdin?.end();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Kills the sandbox at once (wall-clock limit, protocol abuse); not reported as a violation by itself. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.closed) return;
    this.stoppedByUs = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  private observeRequest(message: JSONRPCMessage): void {
    if (!('method' in message) || message.method !== 'tools/call' || !('id' in message)) return;
    const name = (message.params as { name?: unknown } | undefined)?.name;
    const tool = typeof name === 'string' ? name.slice(0, 256) : '';
    const limit = this.options.callTimeoutMs;
    const timer =
      limit === undefined
        ? undefined
        : setTimeout(() => {
            this.options.onViolation?.({
              kind: 'wall_clock',
              source: 'gateway',
              tool,
              detail: `tools/call ${tool} exceeded the wall-clock limit of ${limit} ms; the server was killed`,
            });
            void this.kill();
          }, limit);
    this.calls.set(message.id, { tool, timer });
  }

  private observeResponse(message: JSONRPCMessage): void {
    if (!('id' in message) || message.id === undefined || !('result' in message || 'error' in message))
      return;
    const call = this.calls.get(message.id);
    if (!call) return;
    clearTimeout(call.timer);
    this.calls.delete(message.id);
    const result =
      'result' in message ? (message.result as { isError?: unknown; content?: unknown }) : undefined;
    if (result?.isError !== true || !Array.isArray(result.content)) return;
    const text = result.content
      .map((c: unknown) =>
        c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string'
          ? (c as { text: string }).text
          : '',
      )
      .join('\n')
      .slice(0, 64 * 1024);
    for (const violation of violationsInText(text, 'result'))
      this.options.onViolation?.({ ...violation, tool: call.tool });
  }

  private finish(): void {
    for (const call of this.calls.values()) clearTimeout(call.timer);
    this.calls.clear();
    if (this.closed) return;
    this.closed = true;
    this.buffer.clear();
    this.onclose?.();
  }
}
