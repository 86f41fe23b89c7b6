import { Module } from '@nestjs/common';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { ServerTracing } from './server-tracing';

@Module({
  controllers: [MetricsController],
  providers: [MetricsService, MetricsAccessGuard, ServerTracing],
  exports: [MetricsService],
})
export class MetricsModule {}
