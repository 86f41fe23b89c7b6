import { describe, expect, it } from 'vitest';
import { gatewayEnvironment } from '@mandate/config';
import { spawnParameters } from './spawn-parameters';

describe('spawn parameters of a stdio upstream', () => {
  it('passes the command and an argument array, and a scrubbed environment', () => {
    const env = gatewayEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/gw',
      MANDATE_API_KEY: 'mnd_secret',
      GITHUB_TOKEN: 'ghp_x',
    });
    const params = spawnParameters(
      {
        name: 'gh',
        transport: 'stdio',
        command: 'node',
        args: ['server.js', '$(whoami)'],
        env: { MODE: 'ro' },
        envPassthrough: ['GITHUB_TOKEN', 'UNSET_VAR'],
        cwd: '/srv',
      },
      env,
    );
    expect(params.command).toBe('node');
    expect(params.args).toEqual(['server.js', '$(whoami)']);
    expect(params.cwd).toBe('/srv');
    expect(params.env).toMatchObject({ GITHUB_TOKEN: 'ghp_x', MODE: 'ro' });
    expect(params.env).not.toHaveProperty('MANDATE_API_KEY');
    expect(params.env).not.toHaveProperty('UNSET_VAR');
  });
});
