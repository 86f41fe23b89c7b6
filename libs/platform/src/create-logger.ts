import type { LogLevel } from '@mandate/config';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Header names whose values never reach the logs. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiKey',
];

/**
 * The process's structured JSON logger (pino), shared by Fastify (request logs carry `requestId`) and Nest.
 * Request logs include method, path (no query string) and status — never bodies or credentials.
 */
export function createLogger(
  level: LogLevel,
  bindings: Record<string, string> = {},
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string; routeOptions?: { url?: string } }) => ({
        method: req.method,
        path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
        route: req.routeOptions?.url,
        ip: req.ip,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
