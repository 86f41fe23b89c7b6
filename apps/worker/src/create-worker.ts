import 'reflect-metadata';
import type { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig, type AppConfig, type Env } from '@mandate/config';
import { DatabaseServer, migrateDatabase } from '@mandate/db';
import { AppModule, createLogger, PinoNestLogger } from '@mandate/platform';
import type { Logger } from 'pino';
import { MIGRATIONS } from '../../../migrations';

export interface CreateWorkerOptions {
  env?: Env;
  config?: Partial<AppConfig>;
  logger?: Logger;
  /** Extra Nest modules (tests mount probe subscribers this way). */
  modules?: Array<Type | DynamicModule>;
}

/**
 * The queue worker: the same modules as the server (so the same job handlers) with no HTTP server, running
 * the outbox relay and the BullMQ processors. Needs REDIS_URL and DATABASE_URL (a worker cannot share the
 * server's embedded database).
 */
export async function createWorker(options: CreateWorkerOptions = {}): Promise<INestApplicationContext> {
  const config = loadConfig(options.env, options.config);
  const problems: string[] = [];
  if (!config.redisUrl)
    problems.push('REDIS_URL: the worker needs Redis (without it the server runs jobs itself)');
  if (!config.databaseUrl)
    problems.push('DATABASE_URL: the worker needs the PostgreSQL server shared with the API');
  if (problems.length > 0) throw new ConfigError(problems);
  const logger = options.logger ?? createLogger(config.logLevel, { service: 'mandate-worker' });
  const database = await DatabaseServer.open(config);
  try {
    if (config.migrateOnStart)
      await migrateDatabase(database.url, MIGRATIONS, { log: (m) => logger.info(m) });
    const base = AppModule.forRoot({ config, database, role: 'worker', modules: options.modules });
    const app = await NestFactory.createApplicationContext(base, {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    await app.init();
    return app;
  } catch (error) {
    await database.stop().catch(() => undefined);
    throw error;
  }
}
