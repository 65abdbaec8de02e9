import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableCsv, type ResultTables } from '@coinhts/runs';

/** File names written by {@link writeResultFiles}. */
export const RESULT_FILES = ['summary.json', 'signals.csv', 'trades.csv', 'equity.csv'] as const;

/** Writes summary.json (as given) and the three tables as CSV into `dir` (created if needed). */
export async function writeResultFiles(dir: string, summaryJson: string, tables: ResultTables): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['summary.json', summaryJson],
    ['signals.csv', tableCsv(tables.signals)],
    ['trades.csv', tableCsv(tables.trades)],
    ['equity.csv', tableCsv(tables.equity)],
  ];
  await Promise.all(files.map(([name, text]) => writeFile(join(dir, name), text)));
  return files.map(([name]) => join(dir, name));
}
