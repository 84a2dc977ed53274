export { startMetricsServer } from './metricsServer.ts';
export { buildApp, API_PREFIX, type AppDeps, type MetricsEndpoint } from './app.ts';
