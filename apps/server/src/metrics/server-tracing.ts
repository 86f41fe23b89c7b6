import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@mandate/config';
import { ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';

/** Installs a tracer provider when MANDATE_TRACES_EXPORTER asks for one (`console`); otherwise nothing. */
@Injectable()
export class ServerTracing implements OnModuleInit, OnApplicationShutdown {
  private provider: NodeTracerProvider | undefined;

  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    if (this.config.tracesExporter !== 'console') return;
    this.provider = new NodeTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
    });
    this.provider.register();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}
