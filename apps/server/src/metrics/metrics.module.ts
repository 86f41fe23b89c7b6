import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DecisionTracingInterceptor } from './decision-tracing.interceptor';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { ServerTracing } from './server-tracing';

@Module({
  controllers: [MetricsController],
  providers: [
    MetricsService,
    MetricsAccessGuard,
    ServerTracing,
    { provide: APP_INTERCEPTOR, useClass: DecisionTracingInterceptor },
  ],
  exports: [MetricsService],
})
export class MetricsModule {}
