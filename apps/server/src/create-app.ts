import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { REQUEST_ID_HEADER, resolveRequestId } from '@mandate/common';
import { loadConfig, type AppConfig, type Env } from '@mandate/config';
import { DatabaseServer, migrateDatabase } from '@mandate/db';
import { DecisionService, registerDecisionRoute } from '@mandate/decisions';
import { AuthService } from '@mandate/identity';
import { createLogger, PinoNestLogger } from '@mandate/platform';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import { MIGRATIONS } from '../../../migrations';
import { installDecisionTracing } from './metrics/decision-tracing';
import { MetricsService } from './metrics/metrics.service';
import { sendErrorResponse } from './errors/http-error.filter';
import { setupOpenApi } from './openapi/setup-openapi';
import { ServerModule } from './server.module';

export interface CreateAppOptions {
  /** Environment to read (default: process.env). */
  env?: Env;
  /** Typed overrides applied after the environment (tests). */
  config?: Partial<AppConfig>;
  /** Logger to use instead of one built from LOG_LEVEL (tests may pass a silent or capturing one). */
  logger?: Logger;
  /**
   * Where the standard logger (LOG_LEVEL, redaction, request serializers) writes instead of stdout; tests
   * capture the exact production log lines this way. Ignored when `logger` is given.
   */
  logDestination?: DestinationStream;
  /** Extra Nest modules mounted beside FEATURE_MODULES (tests mount probe controllers this way). */
  modules?: Array<Type | DynamicModule>;
}

/**
 * Builds the HTTP application exactly as `main.ts` runs it (e2e tests call this too): validated config,
 * database (embedded PGlite unless DATABASE_URL), migrations under an advisory lock, Fastify with request
 * ids, body limit and JSON logs, the global ValidationPipe and error filter, metrics and OpenAPI.
 * The returned app is initialised but not listening; `app.close()` also stops an embedded database.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const config = loadConfig(options.env, options.config);
  // Logs go to stdout in blocks of at least 4 KiB (flushed every second, and by pino on exit) instead of one
  // write(2) per line: with request logs at `info` that was two system calls per decision.
  const logger =
    options.logger ??
    createLogger(config.logLevel, { service: 'mandate-server' }, options.logDestination ?? bufferedStdout());
  const database = await DatabaseServer.open(config);
  try {
    logger.info({ database: database.safeUrl, embedded: database.isEmbedded }, 'database selected');
    if (config.migrateOnStart) {
      const applied = await migrateDatabase(database.url, MIGRATIONS, { log: (m) => logger.info(m) });
      logger.info({ applied: applied.length }, 'migrations up to date');
    }
    const adapter = new FastifyAdapter({
      loggerInstance: logger,
      bodyLimit: config.bodyLimitBytes,
      genReqId: (req: IncomingMessage) => resolveRequestId(req.headers[REQUEST_ID_HEADER]),
      logController: new OneLineRequestLogs({ requestIdLogLabel: 'requestId' }),
      trustProxy: trustedProxies(config.trustProxy),
      return503OnClosing: true,
    });
    const app = await NestFactory.create<NestFastifyApplication>(
      ServerModule.forRoot({ config, database, modules: options.modules }),
      adapter,
      { logger: new PinoNestLogger(logger), abortOnError: false },
    );
    configureFastify(app);
    registerDecisionRoute(app.getHttpAdapter().getInstance(), {
      auth: app.get(AuthService),
      decisions: app.get(DecisionService),
      sendError: sendErrorResponse,
    });
    setupOpenApi(app);
    await app.init();
    return app;
  } catch (error) {
    await database.stop().catch(() => undefined);
    throw error;
  }
}

function configureFastify(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);

  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  installDecisionTracing(fastify);
}

/**
 * Fastify's request logs as ONE line per request, written when it completes (what was asked, the status
 * and the time taken), instead of an "incoming request" line and a "request completed" line: each log
 * line costs serialisation and redaction on every decision.
 */
class OneLineRequestLogs extends LogController {
  override incomingRequest(): void {
    // Logged with the completion line.
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) {
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
    } else {
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
}

/** Stdout written in blocks of ≥ 4 KiB, flushed at least every second (the timer does not hold the process). */
function bufferedStdout(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => {
    try {
      stream.flush();
    } catch {
      clearInterval(timer); // destroyed (e.g. stdout closed): nothing more to flush
    }
  }, LOG_FLUSH_INTERVAL_MS);
  timer.unref();
  stream.on('close', () => clearInterval(timer));
  return stream;
}

const LOG_FLUSH_INTERVAL_MS = 1000;

/** Fastify's `trustProxy` from the TRUST_PROXY setting: false, or the list of trusted proxy addresses. */
function trustedProxies(setting: string | undefined): false | string[] {
  if (setting === undefined || setting === 'false') return false;
  return setting
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
