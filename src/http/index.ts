export { buildApp, API_PREFIX, type AppDeps } from './app.ts';
