export type { AppRole } from './app-role';
export { AppModule, type AppModuleOptions } from './app.module';
export { APP_ENTITIES } from './app.entities';
export { createLogger } from './create-logger';
export { FEATURE_MODULES } from './feature-modules';
export { PinoNestLogger } from './pino-nest-logger';
