import { describe, expect, it } from 'vitest';
import { CliUsageError, type CliCommand, type CliContext } from './cli-command';
import { runCli } from './run-cli';

class EchoCommand implements CliCommand {
  readonly name = 'echo';
  readonly summary = 'prints its arguments';
  readonly usage = 'Usage: mandate echo <words…>';
  run(args: string[], context: CliContext): Promise<number> {
    if (args.length === 0) throw new CliUsageError('nothing to echo');
    if (args[0] === 'port') context.io.out(String(context.config().port));
    else context.io.out(args.join(' '));
    return Promise.resolve(0);
  }
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('runCli', () => {
  const commands = [new EchoCommand()];

  it('dispatches to the named command', async () => {
    const c = capture();
    expect(await runCli(['echo', 'a', 'b'], commands, { io: c.io })).toBe(0);
    expect(c.out).toEqual(['a b']);
  });

  it('lists commands for help and rejects unknown ones with exit code 2', async () => {
    const c = capture();
    expect(await runCli([], commands, { io: c.io })).toBe(0);
    expect(c.out.join('\n')).toContain('echo  prints its arguments');
    expect(await runCli(['nope'], commands, { io: c.io })).toBe(2);
    expect(c.err[0]).toContain('unknown command "nope"');
  });

  it('prints usage on bad arguments (exit 2) and on --help', async () => {
    const c = capture();
    expect(await runCli(['echo'], commands, { io: c.io })).toBe(2);
    expect(c.err).toEqual(['mandate echo: nothing to echo', 'Usage: mandate echo <words…>']);
    expect(await runCli(['echo', '--help'], commands, { io: c.io })).toBe(0);
    expect(c.out.at(-1)).toBe('Usage: mandate echo <words…>');
  });

  it('loads configuration lazily and reports invalid configuration with exit code 78', async () => {
    const ok = capture();
    expect(await runCli(['echo', 'port'], commands, { io: ok.io, env: { PORT: '9999' } })).toBe(0);
    expect(ok.out).toEqual(['9999']);
    const bad = capture();
    expect(await runCli(['echo', 'port'], commands, { io: bad.io, env: { PORT: 'x' } })).toBe(78);
    expect(bad.err[0]).toContain('PORT');
  });
});
