/**
 * Errors `@coinhts/runs` throws on purpose. Each has a literal `code` (the API maps codes to HTTP
 * status, the CLI to exit codes) and keeps the underlying error as `cause`. How to react:
 * - `STORE_UNREACHABLE` — the store did not answer: start it or fix its endpoint/credentials.
 * - `ARCHIVE_UNREACHABLE` — the run's archive is in another store than the one this process uses.
 * - `ARCHIVE_MISSING` — the index names a run whose archive is gone (`coinhts results check`).
 */

/** Base class of the errors of `@coinhts/runs`. */
export abstract class RunsError extends Error {
  /** Stable, machine-readable failure kind. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The store did not answer (endpoint down, bucket missing, no permission). */
export class StoreUnreachableError extends RunsError {
  readonly code = 'STORE_UNREACHABLE' as const;
  constructor(
    message: string,
    /** The store's URL. */
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The run's index row points at an archive in another store. */
export class ArchiveUnreachableError extends RunsError {
  readonly code = 'ARCHIVE_UNREACHABLE' as const;
  constructor(
    message: string,
    /** The run. */
    readonly runId: string,
    /** Where the row says the archive is. */
    readonly location: string,
  ) {
    super(message);
  }

  /** What an HTTP error body shows. */
  get details(): { readonly run_id: string; readonly location: string } {
    return { run_id: this.runId, location: this.location };
  }
}

/** The index names a run whose archive is not (or no longer completely) in the store. */
export class ArchiveMissingError extends RunsError {
  readonly code = 'ARCHIVE_MISSING' as const;
  constructor(
    message: string,
    /** The run. */
    readonly runId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** What an HTTP error body shows: the run and, when known, the missing key. */
  get details(): { readonly run_id: string; readonly key?: string } {
    const key = (this.cause as { key?: unknown } | undefined)?.key;
    return { run_id: this.runId, ...(typeof key === 'string' ? { key } : {}) };
  }
}

/** A local results folder this process may not write (checked at start-up, before any job is taken). */
export class StoreNotWritableError extends RunsError {
  readonly code = 'STORE_NOT_WRITABLE' as const;
  constructor(
    message: string,
    /** The folder. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
