import { describe, expect, it } from 'vitest';
import { UPSTREAM_NAME } from './config/gateway-config';
import { namespacedToolName, splitToolName } from './namespacing';

describe('tool namespacing <upstream>__<tool>', () => {
  it('round-trips tool names that contain underscores, dashes and double underscores', () => {
    for (const tool of ['read_file', 'get-sum', 'a__b', '_x', 'x_']) {
      expect(splitToolName(namespacedToolName('filesystem', tool))).toEqual({ upstream: 'filesystem', tool });
    }
  });

  it('refuses names without an upstream, a separator or a tool', () => {
    expect(splitToolName('read_file')).toBeUndefined();
    expect(splitToolName('__read_file')).toBeUndefined();
    expect(splitToolName('filesystem__')).toBeUndefined();
  });

  it('allows no underscore in upstream names, so the first __ always ends them', () => {
    expect(UPSTREAM_NAME.test('fs-1')).toBe(true);
    expect(UPSTREAM_NAME.test('my_fs')).toBe(false);
    expect(UPSTREAM_NAME.test('-fs')).toBe(false);
  });
});
