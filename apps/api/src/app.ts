import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { requireScope } from './auth/authenticate';
import { FailedKeyLimiter } from './auth/failed-key-limiter';
import type { KeyVerifier } from './auth/key-verifier';
import { rateLimit, type RateLimitStore } from './auth/rate-limit';
import type { ApiConfig } from './config';
import { ApiError, ApiErrorCode } from './http/api-error';
import { errorMiddleware, notFoundHandler } from './http/error-middleware';
import { checkedJson, inputGuard } from './http/input-guard';
import type { ApiMetrics } from './http/metrics';
import { requestContext } from './http/request-context';
import { mountRoutes, type RouteDef } from './http/route-table';
import { buildOpenApi, type OpenApiDocument } from './openapi/build-openapi';
import { backtestRoutes } from './routes/backtest-routes';
import type { RouteDeps } from './routes/deps';
import { dataRoutes } from './routes/data-routes';
import { opsRoutes } from './routes/ops-routes';
import { strategyAndPresetRoutes } from './routes/strategy-preset-routes';
import { asyncRoutes } from './routes/task-routes';
import { paperRoutes } from './routes/paper-routes';

/** Everything {@link createApp} needs besides the route dependencies. */
export interface AppDeps extends RouteDeps {
  readonly config: RouteDeps['config'] & Pick<ApiConfig, 'corsOrigins' | 'bodyLimitBytes' | 'rateLimit' | 'trustProxy'>;
  readonly logger: Logger;
  readonly keys: KeyVerifier;
  readonly rateLimitStore: RateLimitStore;
  readonly metrics: ApiMetrics;
}

/** API version shown in the OpenAPI document. */
export const API_VERSION = '1.0.0';

/** Every route of the API, in mounting order (also the content of the OpenAPI document). */
export function apiRoutes(deps: AppDeps, spec: () => OpenApiDocument): RouteDef[] {
  return [
    ...opsRoutes(deps, deps.metrics, spec),
    ...strategyAndPresetRoutes(deps),
    ...asyncRoutes(deps),
    ...backtestRoutes(deps),
    ...dataRoutes(deps),
    ...paperRoutes(deps),
  ];
}

/** Builds the Express application (no listening, no connections of its own). */
export function createApp(deps: AppDeps): { app: Express; routes: readonly RouteDef[]; spec: OpenApiDocument } {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.config.trustProxy ? 1 : false);

  const holder: { spec?: OpenApiDocument } = {};
  const routes = apiRoutes(deps, () => holder.spec as OpenApiDocument);
  const spec = buildOpenApi(routes, {
    title: 'coin-hts API',
    version: API_VERSION,
    description: 'Backtests (sync and queued), parameter sweeps, stored results, strategies, presets and market data of coin-hts.',
  });
  holder.spec = spec;

  app.use(requestContext(deps.logger));
  app.use(deps.metrics.middleware());
  app.use(inputGuard());
  app.use(helmet());
  // CORS only for the configured origins; API keys travel in headers, so credentials are never allowed.
  app.use(
    cors({
      origin: deps.config.corsOrigins.length > 0 ? [...deps.config.corsOrigins] : false,
      credentials: false,
      allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      maxAge: 600,
    }),
  );
  const refuseWhileStopping: RequestHandler = (_req, res, next) => {
    if (deps.isShuttingDown()) res.setHeader('Connection', 'close');
    next();
  };
  app.use(refuseWhileStopping);

  const limiter = rateLimit(deps.rateLimitStore, {
    ...deps.config.rateLimit,
    onStoreError: (err) => deps.logger.warn({ err }, 'rate limit store unavailable; request let through'),
  });
  const failedKeys = new FailedKeyLimiter({ now: deps.clock });
  const guards = {
    guard: (scope: Parameters<typeof requireScope>[1], basicChallenge: boolean) => [requireScope(deps.keys, scope, { basicChallenge, failedKeys }), limiter],
  };
  const json = checkedJson(express.json({ limit: deps.config.bodyLimitBytes, strict: true, type: ['application/json', 'application/*+json'] }));
  mountRoutes(app, routes, guards, json);

  // A known path with another method: 405 rather than 404.
  const methodsByPath = new Map<string, string[]>();
  for (const r of routes) methodsByPath.set(r.path, [...(methodsByPath.get(r.path) ?? []), r.method.toUpperCase()]);
  for (const [path, methods] of methodsByPath) {
    app.all(path, (req, _res, next) => {
      next(new ApiError(ApiErrorCode.MethodNotAllowed, `${req.method} is not allowed on ${path}; use ${methods.join(', ')}`, { allow: methods }));
    });
  }
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return { app, routes, spec };
}
