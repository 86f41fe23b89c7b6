import { describe, inject, it } from 'vitest';
import { randomSuffix, testEnv } from './test-services';

type SuiteBody = () => void;

/**
 * `describe` for suites that need the real PostgreSQL. When it is unreachable the suite is skipped with
 * the reason in its title (globalSetup already fails the run if MANDATE_TEST_REQUIRE_SERVICES=1).
 */
export function describeWithPostgres(name: string, body: SuiteBody): void {
  const reason = inject('mandatePostgresSkipReason');
  guarded(name, reason, body);
}

/** `describe` for suites that need the real PostgreSQL and Redis. */
export function describeWithPostgresAndRedis(name: string, body: SuiteBody): void {
  const reason = inject('mandatePostgresSkipReason') ?? inject('mandateRedisSkipReason');
  guarded(name, reason, body);
}

function guarded(name: string, reason: string | null, body: SuiteBody): void {
  if (reason === null) {
    describe(name, body);
  } else if (testEnv().requireServices) {
    describe(name, () =>
      it(`requires services: ${reason}`, () => {
        throw new Error(reason);
      }),
    );
  } else {
    describe.skip(`${name} [skipped: ${reason}]`, body);
  }
}

/** Redis URL and a key prefix unique to the calling test file. */
export function testRedis(): { url: string; prefix: string } {
  return { url: testEnv().redisUrl, prefix: `mandate-test:${randomSuffix(6)}` };
}
