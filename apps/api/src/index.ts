export { createApp, apiRoutes, API_VERSION, type AppDeps } from './app';
export { buildServices, type Services } from './services';
export { loadConfig, ConfigError, type ApiConfig } from './config';
