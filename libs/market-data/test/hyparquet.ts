/**
 * hyparquet is ESM-only; this CommonJS test code loads it with a dynamic import (Jest transforms
 * it, see jest.config.cjs). It decodes snappy and uncompressed files on its own; zstd pages
 * would need the separate `hyparquet-compressors` package, which is not installed.
 */
import type * as HyparquetModule from 'hyparquet' with { 'resolution-mode': 'import' };

/** The hyparquet module's exports. */
export type Hyparquet = typeof HyparquetModule;

/** Loads hyparquet. */
export function loadHyparquet(): Promise<Hyparquet> {
  return import('hyparquet') as Promise<Hyparquet>;
}

/** Copies a Buffer into a standalone ArrayBuffer (what hyparquet reads). */
export function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
