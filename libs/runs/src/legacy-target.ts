/**
 * The legacy import (`@coinhts/results`' `importLegacyResults`) writing through a
 * {@link RunService}, so imported runs are archived in the one format and indexed like every
 * other run. The original files (gzip) are kept byte for byte inside `summary.json`
 * (`legacy.files`, base64) next to the original summary (`legacy.summary`), since the archive holds exactly summary + three tables.
 */
import type { LegacyImportTarget, RunArchivePayload, StoredRun, RunInput } from '@coinhts/results';
import { emptyResultTables } from './result-tables';
import { runDocument } from './run-record';
import type { RunService } from './run-service';

/** A LegacyImportTarget over `runs`. */
export function legacyImportTarget(runs: RunService): LegacyImportTarget {
  return {
    save: async (run: RunInput, payload?: RunArchivePayload): Promise<StoredRun> => runs.save(run, {
      summary: runDocument(run, {
        legacy: { summary: payload?.summary ?? null, files: (payload?.files ?? []).map((f) => ({ name: f.name, base64: Buffer.from(f.bytes).toString('base64') })) },
      }),
      tables: emptyResultTables(),
    }),
    existingIds: async (ids: readonly string[]): Promise<ReadonlySet<string>> => {
      const known = new Set((await runs.index.archiveRefs()).map((r) => r.id));
      return new Set(ids.filter((id) => known.has(id)));
    },
  };
}
