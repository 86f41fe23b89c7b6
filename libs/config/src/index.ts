export { AppConfig, LOG_LEVELS, type LogLevel } from './app-config';
export { ConfigError } from './config-error';
export { ConfigModule } from './config.module';
export { ENV_KEYS, loadConfig, type Env } from './load-config';
export { gatewayEnvironment, type GatewayEnvironment } from './gateway-environment';
export { testEnvironment } from './test-environment';
