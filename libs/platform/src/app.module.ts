import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@mandate/config';
import { DatabaseModule, type DatabaseServer } from '@mandate/db';
import { MIGRATIONS } from '../../../migrations';
import { APP_ENTITIES } from './app.entities';
import type { AppRole } from './app-role';
import { FEATURE_MODULES } from './feature-modules';
import { infrastructureModules } from './infrastructure-modules';

export interface AppModuleOptions {
  config: AppConfig;
  database: DatabaseServer;
  role: AppRole;
  /** Additional modules: the server's HTTP modules, test probes. */
  modules?: Array<Type | DynamicModule>;
  /** Additional providers (e.g. the server's global filter and pipe). */
  providers?: Provider[];
}

/**
 * The composition shared by the server, the worker and the CLI tools: configuration, database, outbox and
 * queue (background work chosen by `role`), domain events and every feature module. Feature modules and
 * extra modules are re-exported so the importing app can wire their providers.
 */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const extra = options.modules ?? [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        DatabaseModule.forRoot({
          server: options.database,
          entities: [...APP_ENTITIES],
          migrations: MIGRATIONS,
          applicationName: `mandate-${options.role}`,
        }),
        ...infrastructureModules(options.config, options.role),
        ...FEATURE_MODULES,
        ...extra,
      ],
      providers: options.providers ?? [],
      exports: [...FEATURE_MODULES, ...extra],
    };
  }
}
