export { describeWithPostgres, describeWithPostgresAndRedis, testRedis } from './describe-with-services';
export { createTestDatabase, type CreateTestDatabaseOptions, type TestDatabase } from './test-database';
export { randomSuffix, withDatabase } from './test-services';
export { DedicatedRedis } from './dedicated-redis';
export { ServerProcesses, type ServerProcess } from './server-processes';
export { freePort } from './free-port';
