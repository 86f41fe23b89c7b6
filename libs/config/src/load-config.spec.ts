import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

describe('loadConfig', () => {
  it('applies documented defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.dataDir).toBe('./.mandate/data');
    expect(c.metricsPublic).toBe(true);
    expect(c.bodyLimitBytes).toBe(1048576);
    expect(c.accessTokenTtlSeconds).toBe(900);
    expect(c.logLevel).toBe('info');
  });

  it('parses and converts variables', () => {
    const c = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://u:p@db:5432/mandate',
      REDIS_URL: 'redis://cache:6379',
      METRICS_PUBLIC: 'false',
      BODY_LIMIT_BYTES: '2048',
      LOG_LEVEL: 'debug',
      ACCESS_TOKEN_TTL_SECONDS: '60',
    });
    expect(c).toMatchObject({
      port: 9000,
      databaseUrl: 'postgres://u:p@db:5432/mandate',
      redisUrl: 'redis://cache:6379',
      metricsPublic: false,
      bodyLimitBytes: 2048,
      logLevel: 'debug',
      accessTokenTtlSeconds: 60,
    });
  });

  it('runs several server processes only on an external database', () => {
    expect(loadConfig({}).serverProcesses).toBe(1);
    expect(
      loadConfig({ SERVER_PROCESSES: '2', DATABASE_URL: 'postgres://u@db:5432/mandate' }).serverProcesses,
    ).toBe(2);
    expect(() => loadConfig({ SERVER_PROCESSES: '2' })).toThrow(/SERVER_PROCESSES.*DATABASE_URL/);
    expect(() => loadConfig({ SERVER_PROCESSES: '0', DATABASE_URL: 'postgres://u@db/m' })).toThrow(
      /SERVER_PROCESSES/,
    );
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: ' ' }).databaseUrl).toBeUndefined();
  });

  it('reports every bad variable by name without echoing secret values', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://root:hunter2@x/db', METRICS_PUBLIC: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('METRICS_PUBLIC');
    expect(message).not.toContain('hunter2');
    expect((error as ConfigError).problems).toHaveLength(3);
  });

  it('rejects out-of-range numbers', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ BODY_LIMIT_BYTES: '10' })).toThrow(/BODY_LIMIT_BYTES/);
  });

  it('accepts a list of trusted proxies and rejects trusting everyone', () => {
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '*' })).toThrow(/TRUST_PROXY/);
  });
});
