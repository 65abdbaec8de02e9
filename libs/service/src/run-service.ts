import { ConfigError } from '@coinhts/config';
import pino, { type Logger } from 'pino';

/** A started long-running process: what its shell needs to stop it. */
export interface RunningService {
  /** Finishes or hands back in-flight work, releases what it holds, closes pools. */
  close(): Promise<void>;
}

/** An error at start-up that the operator must fix (exit status 2), e.g. a strategy module that does not load. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** How {@link runService} starts one process. */
export interface ServiceDefinition<C> {
  /** The `service` field of every log line, e.g. `coinhts-worker`. */
  readonly service: string;
  /** Reads and validates the environment once; a {@link ConfigError} exits 2 with its message. */
  readonly loadConfig: () => C;
  /** Log level of the config (pino level names). */
  readonly logLevel: (config: C) => string;
  /**
   * Checks that run before the logger exists (e.g. loading plugin modules); throw
   * {@link StartupError} (or an error `isStartupError` accepts) for exit 2 with its message.
   */
  readonly prepare?: (config: C) => Promise<unknown>;
  /** Further error classes of `prepare` that mean "the operator must fix this" (exit 2). */
  readonly isStartupError?: (err: unknown) => boolean;
  /** Wires and starts the process. */
  readonly start: (config: C, logger: Logger) => Promise<RunningService>;
  /** The log message written when a stop signal arrives (what the process does next). */
  readonly stopping: string;
  /** Extra fields of that log line, e.g. the shutdown timeout. */
  readonly stoppingFields?: (config: C) => Record<string, unknown>;
}

/** Where {@link runService} writes and how it exits: the process by default (replaced in tests). */
export interface ServiceHost {
  readonly stderr: (text: string) => void;
  readonly exit: (code: number) => void;
  readonly onSignal: (signal: 'SIGTERM' | 'SIGINT', handler: () => void) => void;
}

const processHost: ServiceHost = {
  stderr: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
  onSignal: (signal, handler) => process.on(signal, handler),
};

/**
 * The one shell of coin-hts' long-running processes (worker, paper): configuration parsed once
 * (a wrong environment exits **2** listing every problem), optional start-up checks (exit 2 with
 * what to fix), a structured logger, then SIGTERM/SIGINT → `close()` → exit 0 (1 when closing
 * failed). A failure to start that is not the operator's input exits 1 with the stack.
 *
 * @returns when the process has started (the signal handlers keep it alive).
 */
export async function runService<C>(def: ServiceDefinition<C>, host: ServiceHost = processHost): Promise<void> {
  const name = def.service.replace(/^coinhts-/, '');
  try {
    let config: C;
    try {
      config = def.loadConfig();
    } catch (err) {
      if (err instanceof ConfigError) return fail(host, ConfigError.EXIT_CODE, `${err.message}\n`);
      throw err;
    }
    try {
      await def.prepare?.(config);
    } catch (err) {
      if (err instanceof StartupError || def.isStartupError?.(err)) return fail(host, 2, `The ${name} cannot start: ${(err as Error).message}\n`);
      throw err;
    }
    const logger = pino({ level: def.logLevel(config), base: { service: def.service, pid: process.pid } });
    const app = await def.start(config, logger);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, ...def.stoppingFields?.(config) }, def.stopping);
      app.close().then(
        () => {
          logger.info('stopped');
          logger.flush();
          host.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          logger.flush();
          host.exit(1);
        },
      );
    };
    host.onSignal('SIGTERM', () => stop('SIGTERM'));
    host.onSignal('SIGINT', () => stop('SIGINT'));
  } catch (err) {
    fail(host, 1, `coinhts ${name} failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  }
}

function fail(host: ServiceHost, code: number, text: string): void {
  host.stderr(text);
  host.exit(code);
}
