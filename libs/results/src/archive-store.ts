/**
 * The port through which {@link ResultRepository} stores a run's full result. Implemented here by
 * {@link LocalDirArchiveStore} (payload: summary + files) and, through {@link storageArchiveStore},
 * by `@coinhts/storage`'s archive writer on a local-FS or S3 provider (payload: summary + tables).
 * It declares only what the repository calls; the repository never looks inside the payload `P`.
 */
export interface RunArchiveStore<P = RunArchivePayload> {
  /**
   * Writes (or completely replaces) the archive of `runId` and returns where it is and what it holds.
   * Must be all-or-nothing from a reader's point of view: `exists` is true only once every file and
   * the manifest are in place. Throws on failure (the repository then writes no row).
   */
  write(runId: string, payload: P): Promise<ArchiveWriteResult>;
  /** Deletes the archive of `runId`; deleting a missing archive is not an error. */
  delete(runId: string): Promise<void>;
  /** True when a complete archive (manifest included) exists for `runId`. */
  exists(runId: string): Promise<boolean>;
  /** Every archive in the store (complete or not), in no particular order, for orphan clean-up. */
  list(): AsyncIterable<ArchiveEntry>;
}

/** One file of an archive, given by the caller. */
export interface RunArchiveFile {
  /** Path inside the run's folder: segments of `[A-Za-z0-9._-]`, separated by `/`, no `..`; not `manifest.json`. */
  readonly name: string;
  /** File content. */
  readonly bytes: Uint8Array;
}

/** What to archive for one run. */
export interface RunArchivePayload {
  /** JSON-serialisable summary of the run, written as `summary.json`. */
  readonly summary: unknown;
  /** Further files, e.g. Parquet tables of signals, trades and the equity curve. */
  readonly files?: readonly RunArchiveFile[];
}

/** A file recorded in an archive's manifest. */
export interface ArchiveFileInfo {
  /** Path inside the run's folder. */
  readonly name: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** SHA-256 of the content, lower-case hex. */
  readonly sha256: string;
}

/** Result of {@link RunArchiveStore.write}. */
export interface ArchiveWriteResult {
  /** Where the archive lives, as a URL (`file:///…/backtests/{runId}/`, `s3://bucket/backtests/{runId}/`). */
  readonly location: string;
  /** SHA-256 of the manifest file's bytes, lower-case hex; the manifest in turn lists each file's SHA-256. */
  readonly manifestSha256: string;
  /** Bytes stored for the run, manifest included. */
  readonly totalBytes: number;
  /** The data files (manifest excluded), in manifest order. */
  readonly files: readonly ArchiveFileInfo[];
}

/** One archive found by {@link RunArchiveStore.list}. */
export interface ArchiveEntry {
  /** Run id the archive belongs to. */
  readonly runId: string;
  /** When the archive was last written (epoch ms); orphan clean-up leaves young archives alone. */
  readonly writtenAt: number;
}
