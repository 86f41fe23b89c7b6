import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions, type EntityList, type MigrationList } from './data-source.factory';
import { DatabaseServer } from './database-server';

export interface DatabaseModuleOptions {
  server: DatabaseServer;
  /** Entities beyond those registered with TypeOrmModule.forFeature (auto-loaded). */
  entities?: EntityList;
  migrations?: MigrationList;
  poolSize?: number;
  applicationName?: string;
}

const DATABASE_SERVER = Symbol('DATABASE_SERVER');

/** Closes the pool, then stops the embedded database (if any), when the Nest app shuts down. */
@Injectable()
export class DatabaseShutdown implements OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE_SERVER) private readonly server: DatabaseServer,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.server.stop();
  }
}

/**
 * The application's database: TypeORM (via @nestjs/typeorm, so `TypeOrmModule.forFeature` and
 * `@InjectRepository` work as usual; entities are auto-loaded) on the server chosen by DatabaseServer.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions({
              url: options.server.url,
              entities: options.entities,
              migrations: options.migrations,
              poolSize: options.poolSize,
              applicationName: options.applicationName,
            }),
            autoLoadEntities: true,
          }),
        }),
      ],
      providers: [
        { provide: DATABASE_SERVER, useValue: options.server },
        { provide: DatabaseServer, useValue: options.server },
        DatabaseShutdown,
      ],
      exports: [DatabaseServer],
    };
  }
}
