/** The paper-trading process's configuration (apps/paper): the shared fragments plus its own PAPER_* variables. */
import { z } from 'zod';
import { composeConfig, defineFragment } from './compose';
import { envVar, intText, urlText } from './env-var';
import { databaseFragment, loggingFragment, metricsListenFragment, optionalMarketDataFragment, strategyModulesFragment, upbitFragment, type DatabaseSettings, type ListenSettings, type LogLevel } from './fragments';

/** `UPBIT_WS_URL`: Upbit's quotation WebSocket. */
export const UPBIT_WS_URL = envVar({
  name: 'UPBIT_WS_URL', schema: urlText(['ws:', 'wss:']), default: 'wss://api.upbit.com/websocket/v1',
  doc: "Upbit's quotation WebSocket (a fake in tests).", expected: 'a ws(s):// URL', example: 'wss://api.upbit.com/websocket/v1',
});
/** `PAPER_OWNER`: this process's lease owner id. */
export const PAPER_OWNER = envVar({
  name: 'PAPER_OWNER', schema: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'letters, digits, ".", "_", ":" and "-" only'),
  doc: 'Lease owner id of this paper process (unset = host:pid:random).', expected: 'letters, digits, . _ : -', example: 'paper-1',
});
/** `PAPER_LEASE_MS`: lease length. */
export const PAPER_LEASE_MS = envVar({
  name: 'PAPER_LEASE_MS', schema: intText(1_000, 600_000), default: '15000',
  doc: "Lease of a session, ms (renewed every third); a dead process's sessions are taken over after at most this.", expected: 'ms 1000-600000', example: '15000',
});
/** `PAPER_POLL_MS`: how often free sessions are looked for. */
export const PAPER_POLL_MS = envVar({ name: 'PAPER_POLL_MS', schema: intText(50, 600_000), default: '2000', doc: 'How often free or abandoned sessions are looked for, ms.', expected: 'ms 50-600000', example: '2000' });
/** `PAPER_SNAPSHOT_EVERY_BARS`: candles between performance snapshots. */
export const PAPER_SNAPSHOT_EVERY_BARS = envVar({ name: 'PAPER_SNAPSHOT_EVERY_BARS', schema: intText(1, 1_000_000), default: '60', doc: 'Candles between performance snapshots of a session.', expected: 'an integer 1-1000000', example: '60' });
/** `PAPER_GRACE_MS`: when a quiet market's candle counts as closed. */
export const PAPER_GRACE_MS = envVar({ name: 'PAPER_GRACE_MS', schema: intText(0, 600_000), default: '3000', doc: "A quiet market's candle counts as closed this long after its end, ms.", expected: 'ms 0-600000', example: '3000' });

/** The paper process's own variables. */
export const paperFragment = defineFragment({
  name: 'paper',
  vars: { UPBIT_WS_URL, PAPER_OWNER, PAPER_LEASE_MS, PAPER_POLL_MS, PAPER_SNAPSHOT_EVERY_BARS, PAPER_GRACE_MS },
  build: (v) => ({ wsUrl: v.UPBIT_WS_URL, owner: v.PAPER_OWNER, leaseMs: v.PAPER_LEASE_MS, pollMs: v.PAPER_POLL_MS, snapshotEveryBars: v.PAPER_SNAPSHOT_EVERY_BARS, graceMs: v.PAPER_GRACE_MS }),
});

/** Validated configuration of the paper process. Durations ms. */
export interface PaperConfig {
  readonly database: DatabaseSettings;
  readonly upbitWsUrl: string;
  readonly upbitBaseUrl?: string;
  /** Lease owner id; unset = the app makes one (host:pid:random). */
  readonly owner?: string;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly snapshotEveryBars: number;
  readonly graceMs: number;
  /** When set (DATA_ROOT), closed candles are appended to this candle store; absolute. */
  readonly dataRoot?: string;
  readonly logLevel: LogLevel;
  /** Where `/healthz` and `/metrics` listen (METRICS_HOST, METRICS_PORT; default 127.0.0.1:9464, a free port when that default is taken). */
  readonly metrics: ListenSettings;
  /** Strategy plugin modules (COINHTS_STRATEGY_MODULES), resolved: the same list as the API's, so a session started there runs here. */
  readonly strategyModules: readonly string[];
}

/** The paper process's configuration (`PAPER_CONFIG.variables`; `load(process.env)` parses it). */
export const PAPER_CONFIG = composeConfig('The paper process', {
  database: databaseFragment(5),
  upbit: upbitFragment,
  paper: paperFragment,
  marketData: optionalMarketDataFragment,
  logging: loggingFragment,
  metrics: metricsListenFragment,
  strategyModules: strategyModulesFragment,
}).map((c): PaperConfig => ({
  database: c.database, upbitWsUrl: c.paper.wsUrl, upbitBaseUrl: c.upbit.baseUrl, owner: c.paper.owner, leaseMs: c.paper.leaseMs, pollMs: c.paper.pollMs,
  snapshotEveryBars: c.paper.snapshotEveryBars, graceMs: c.paper.graceMs, dataRoot: c.marketData.dataRoot, logLevel: c.logging.level, metrics: c.metrics,
  strategyModules: c.strategyModules.modules,
}));
