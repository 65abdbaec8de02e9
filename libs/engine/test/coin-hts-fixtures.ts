/**
 * Test-only access to the original coin_hts system's fixtures (test/fixtures/coin_hts). Lives
 * outside src/ because it reads files; src/testing stays free of I/O.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CandleColumns } from '../src/core/candles';
import { parseCandleCsv } from '../src/testing/candle-csv';

/** Folder of the original system's fixtures. */
export const COIN_HTS_FIXTURES_DIR = join(__dirname, 'fixtures', 'coin_hts');

/** Loads a candle CSV; a bare file name is looked up in {@link COIN_HTS_FIXTURES_DIR}. */
export function loadFixtureCsv(pathOrName: string): CandleColumns {
  const path = pathOrName.includes('/') ? pathOrName : join(COIN_HTS_FIXTURES_DIR, pathOrName);
  return parseCandleCsv(readFileSync(path, 'utf8'));
}

/** One expected signal of the original system. */
export interface FixtureSignal {
  readonly index: number;
  readonly timestamp: string;
  readonly price: number;
  readonly entry: number;
  readonly exit: number;
  readonly return_pct: number;
  readonly confidence: number;
  /** VolumeZoneBreakout only. */
  readonly resistance?: number;
}

/** An expected-output file of the original system (see the fixtures README). */
export interface FixtureExpectation {
  readonly strategy: string;
  readonly params: Readonly<Record<string, number | boolean>>;
  readonly n_rows: number;
  readonly n_signals: number;
  readonly signals: readonly FixtureSignal[];
  readonly win_rate: number;
  readonly avg_return: number;
  readonly max_drawdown: number;
}

/** Loads an expected-output JSON file by name, e.g. `vzb_window_100.json`. */
export function loadFixtureExpectation(name: string): FixtureExpectation {
  return JSON.parse(readFileSync(join(COIN_HTS_FIXTURES_DIR, name), 'utf8')) as FixtureExpectation;
}
