/**
 * Settings the test harness reads. Lives here because libs/config is the only reader of process.env.
 */
export interface TestEnvironment {
  /** Admin URL of the real PostgreSQL used by integration tests. */
  databaseUrl: string;
  redisUrl: string;
  /** When true (CI), tests needing PostgreSQL/Redis fail instead of being skipped. */
  requireServices: boolean;
}

export function testEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): TestEnvironment {
  return {
    databaseUrl: env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
    requireServices:
      env.MANDATE_TEST_REQUIRE_SERVICES === '1' || env.MANDATE_TEST_REQUIRE_SERVICES === 'true',
  };
}
