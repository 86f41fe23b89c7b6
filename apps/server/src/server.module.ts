import { Module, ValidationPipe, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { AppConfig } from '@mandate/config';
import type { DatabaseServer } from '@mandate/db';
import { MetricsScrapeAuthorizer } from '@mandate/identity';
import { AppModule } from '@mandate/platform';
import { QueueProducer } from '@mandate/queue';
import { HttpErrorFilter } from './errors/http-error.filter';
import { HealthModule } from './health/health.module';
import { READINESS_CHECKS, type ReadinessCheck } from './health/readiness.service';
import { METRICS_AUTHORIZER } from './metrics/metrics-authorizer';
import { MetricsModule } from './metrics/metrics.module';

export interface ServerModuleOptions {
  config: AppConfig;
  database: DatabaseServer;
  /** Additional modules (tests). */
  modules?: Array<Type | DynamicModule>;
}

/** The HTTP server: the shared AppModule plus health, metrics, the global pipe and the error filter. */
@Module({})
export class ServerModule {
  static forRoot(options: ServerModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_FILTER, useClass: HttpErrorFilter },
      {
        provide: APP_PIPE,
        useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
      },
      // /metrics asks identity when METRICS_PUBLIC=false (a bearer credential with metrics:read).
      { provide: METRICS_AUTHORIZER, useExisting: MetricsScrapeAuthorizer },
    ];
    if (options.config.redisUrl) {
      providers.push({
        provide: READINESS_CHECKS,
        useFactory: (producer: QueueProducer): ReadinessCheck[] => [
          { name: 'redis', check: () => producer.ping() },
        ],
        inject: [QueueProducer],
      });
    }
    return {
      module: ServerModule,
      imports: [
        AppModule.forRoot({
          config: options.config,
          database: options.database,
          role: 'server',
          modules: options.modules,
        }),
        HealthModule,
        MetricsModule,
      ],
      providers,
    };
  }
}
