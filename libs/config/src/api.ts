/** The API's configuration: the shared fragments plus the API's own variables. */
import { z } from 'zod';
import { composeConfig, defineFragment } from './compose';
import { boolText, csvText, envVar, intText } from './env-var';
import {
  apiListenFragment,
  databaseFragment,
  loggingFragment,
  marketDataFragment,
  queueFragment,
  requiredDatabaseFragment,
  resultsStoreFragment,
  shutdownFragment,
  timeZoneFragment,
  upbitFragment,
  type DatabaseSettings,
  type LogLevel,
  strategyModulesFragment,
  type ResultsStoreConfig,
} from './fragments';

const origin = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
    } catch {
      return false;
    }
  },
  { message: 'each origin must look like https://app.example.com (scheme://host[:port], no path, no "*")' },
);

/** `CORS_ORIGINS`: comma-separated origins allowed by CORS; never `*`. */
export const CORS_ORIGINS = envVar({ name: 'CORS_ORIGINS', schema: csvText.pipe(z.array(origin)), default: '', doc: 'Comma-separated origins allowed by CORS (https://app.example.com); "*" is refused; empty = none.', expected: 'comma-separated origins', example: 'https://app.example.com' });
/** `BODY_LIMIT_BYTES`. */
export const BODY_LIMIT_BYTES = envVar({ name: 'BODY_LIMIT_BYTES', schema: intText(1_024, 64 * 1024 * 1024), default: '262144', doc: 'Largest JSON body, bytes.', expected: 'bytes 1024-67108864', example: '262144' });
/** `UPLOAD_LIMIT_BYTES`. */
export const UPLOAD_LIMIT_BYTES = envVar({ name: 'UPLOAD_LIMIT_BYTES', schema: intText(1_024, 2 * 1024 * 1024 * 1024), default: '52428800', doc: 'Largest upload (CSV/Parquet import), bytes.', expected: 'bytes 1024-2147483648', example: '52428800' });
/** `SYNC_MAX_CANDLES`. */
export const SYNC_MAX_CANDLES = envVar({ name: 'SYNC_MAX_CANDLES', schema: intText(1, 1e9), default: '200000', doc: 'Largest synchronous backtest in candles × symbols; larger ones must use the async route.', expected: 'a whole number 1-1000000000', example: '200000' });
/** `RATE_LIMIT_MAX`. */
export const RATE_LIMIT_MAX = envVar({ name: 'RATE_LIMIT_MAX', schema: intText(1, 1e9), default: '300', doc: 'Requests per API key per window.', expected: 'a whole number 1-1000000000', example: '300' });
/** `RATE_LIMIT_WINDOW_MS`. */
export const RATE_LIMIT_WINDOW_MS = envVar({ name: 'RATE_LIMIT_WINDOW_MS', schema: intText(1_000, 86_400_000), default: '60000', doc: 'Rate limit window, ms.', expected: 'milliseconds 1000-86400000', example: '60000' });
/** `AUTH_CACHE_TTL_MS`. */
export const AUTH_CACHE_TTL_MS = envVar({ name: 'AUTH_CACHE_TTL_MS', schema: intText(0, 3_600_000), default: '30000', doc: 'How long a verified key is cached, ms; a revoked key stops working within this time.', expected: 'milliseconds 0-3600000', example: '30000' });
/** `REFRESH_DEFAULT_SYMBOLS`. */
export const REFRESH_DEFAULT_SYMBOLS = envVar({ name: 'REFRESH_DEFAULT_SYMBOLS', schema: csvText, default: 'KRW-BTC,KRW-ETH', doc: 'Symbols of POST /api/v1/data/refresh when the body names none.', expected: 'comma-separated symbols', example: 'KRW-BTC,KRW-ETH' });
/** `REFRESH_DEFAULT_TIMEFRAMES`. */
export const REFRESH_DEFAULT_TIMEFRAMES = envVar({ name: 'REFRESH_DEFAULT_TIMEFRAMES', schema: csvText, default: '1h,1d', doc: 'Timeframes of POST /api/v1/data/refresh when the body names none.', expected: 'comma-separated timeframes', example: '1h,1d' });
/** `TRUST_PROXY`. */
export const TRUST_PROXY = envVar({ name: 'TRUST_PROXY', schema: boolText, default: 'false', doc: 'Honour X-Forwarded-For from one reverse proxy.', expected: 'true or false', example: 'false' });

/** The API's own HTTP settings. */
export const apiHttpFragment = defineFragment({
  name: 'apiHttp',
  vars: { CORS_ORIGINS, BODY_LIMIT_BYTES, UPLOAD_LIMIT_BYTES, SYNC_MAX_CANDLES, RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_MS, AUTH_CACHE_TTL_MS, REFRESH_DEFAULT_SYMBOLS, REFRESH_DEFAULT_TIMEFRAMES, TRUST_PROXY },
  build: (v) => v,
});

/** Validated configuration of the API. Sizes are bytes, durations ms. */
export interface ApiConfig {
  /** Strategy plugin modules to load at start-up (COINHTS_STRATEGY_MODULES), paths absolute. */
  readonly strategyModules: readonly string[];
  readonly port: number;
  /** Bind address (default 127.0.0.1; containers set 0.0.0.0). */
  readonly host: string;
  readonly database: DatabaseSettings;
  readonly redisUrl: string;
  /** Key prefix of the queues; must match the worker's. */
  readonly queuePrefix: string;
  /** Candle store root, absolute (`{SYMBOL}/{TIMEFRAME}/{YEAR}.parquet`). */
  readonly dataRoot: string;
  /** Where new runs are archived (RESULTS_STORE), the same store the workers use. */
  readonly results: ResultsStoreConfig;
  /** Zone of date-only bounds such as `start_date: 2024-01-01` (the end date is inclusive). */
  readonly timeZone: string;
  /** Origins allowed by CORS; empty = no cross-origin access. Never `*`, never credentials. */
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  readonly uploadLimitBytes: number;
  /** Largest synchronous backtest, in candles × symbols; larger ones get 413 and go to the async route. */
  readonly syncMaxCandles: number;
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  /** How long a verified API key is cached in memory, ms (revocations take effect within this time). */
  readonly authCacheTtlMs: number;
  /** Defaults of `POST /api/v1/data/refresh` when the body names none. */
  readonly refreshDefaults: { readonly symbols: readonly string[]; readonly timeframes: readonly string[] };
  readonly logLevel: LogLevel;
  /** How long SIGTERM waits for in-flight requests before closing connections, ms. */
  readonly shutdownTimeoutMs: number;
  /** Honour X-Forwarded-For (behind one reverse proxy). */
  readonly trustProxy: boolean;
  /** Upbit REST base URL (`UPBIT_BASE_URL`; unset = Upbit's): a new paper session's markets are checked there. */
  readonly upbitBaseUrl?: string;
}

/** The API's configuration (`API_CONFIG.variables` lists what it reads; `load(process.env)` parses it). */
export const API_CONFIG = composeConfig('The API', {
  listen: apiListenFragment,
  database: databaseFragment(10),
  queue: queueFragment,
  marketData: marketDataFragment,
  results: resultsStoreFragment,
  timeZone: timeZoneFragment,
  http: apiHttpFragment,
  logging: loggingFragment,
  shutdown: shutdownFragment,
  strategyModules: strategyModulesFragment,
  upbit: upbitFragment,
}).map(
  (c): ApiConfig => ({
    port: c.listen.port,
    host: c.listen.host,
    database: c.database,
    redisUrl: c.queue.redisUrl,
    queuePrefix: c.queue.queuePrefix,
    dataRoot: c.marketData.dataRoot,
    results: c.results,
    timeZone: c.timeZone.timeZone,
    corsOrigins: c.http.CORS_ORIGINS,
    bodyLimitBytes: c.http.BODY_LIMIT_BYTES,
    uploadLimitBytes: c.http.UPLOAD_LIMIT_BYTES,
    syncMaxCandles: c.http.SYNC_MAX_CANDLES,
    rateLimit: { max: c.http.RATE_LIMIT_MAX, windowMs: c.http.RATE_LIMIT_WINDOW_MS },
    authCacheTtlMs: c.http.AUTH_CACHE_TTL_MS,
    refreshDefaults: { symbols: c.http.REFRESH_DEFAULT_SYMBOLS, timeframes: c.http.REFRESH_DEFAULT_TIMEFRAMES },
    logLevel: c.logging.level,
    shutdownTimeoutMs: c.shutdown.timeoutMs,
    trustProxy: c.http.TRUST_PROXY,
    strategyModules: c.strategyModules.modules,
    upbitBaseUrl: c.upbit.baseUrl,
  }),
);

/** Configuration of the API's `keys` command: the database only. */
export const API_KEYS_CONFIG = composeConfig('The keys command', { database: requiredDatabaseFragment });
