import type { DataSource } from 'typeorm';
import { runQuery } from './data-source';
import { DatabaseQueryError, ResultConflictError, ResultNotFoundError, ResultsError, ResultValidationError, toResultsError, type ResultsIssue } from './errors';
import { IssueList, isPlainObject } from './validation';

/**
 * Checks raw parameters against the strategy's parameter schema and returns the parsed
 * parameters (defaults applied), or throws. Typically
 * `(s, p) => parseStrategyParams(getStrategy(s), p)` from `@coinhts/engine`. An error with an
 * `issues: {field, message}[]` array (the engine's `InvalidParamsError`) has its issues kept.
 */
export type StrategyParamsValidator = (strategy: string, params: unknown) => unknown;

/** A preset to create. */
export interface PresetInput {
  /** Unique name, 1..100 characters. */
  readonly name: string;
  /** Strategy registry name, 1..100 characters. */
  readonly strategy: string;
  /** Raw parameters; validated and stored parsed (defaults applied). Default {}. */
  readonly params?: unknown;
  /** Free text, at most 10,000 characters (default ''). */
  readonly description?: string;
}

/** Fields to change in a preset; omitted fields keep their value. The name cannot change. */
export interface PresetPatch {
  /** New strategy; the (new or kept) params are re-validated against it. */
  readonly strategy?: string;
  /** New raw parameters (replace the stored ones entirely). */
  readonly params?: unknown;
  /** New description. */
  readonly description?: string;
}

/** A stored preset. Times are epoch ms. */
export interface Preset {
  /** Row id (UUID). */
  readonly id: string;
  /** Unique name. */
  readonly name: string;
  /** Strategy name. */
  readonly strategy: string;
  /** Parsed parameters, as the validator returned them when last saved. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Description. */
  readonly description: string;
  /** Creation time. */
  readonly createdAt: number;
  /** Last update time. */
  readonly updatedAt: number;
}

/** Options of {@link PresetRepository}. */
export interface PresetRepositoryOptions {
  /** Clock for created/updated times (epoch ms; default `Date.now`). */
  readonly now?: () => number;
}

interface PresetDbRow {
  id: string;
  name: string;
  strategy: string;
  params: Record<string, unknown>;
  description: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, strategy, params, description, created_at, updated_at';
const toPreset = (r: PresetDbRow): Preset => ({
  id: r.id,
  name: r.name,
  strategy: r.strategy,
  params: r.params,
  description: r.description,
  createdAt: r.created_at.getTime(),
  updatedAt: r.updated_at.getTime(),
});

/**
 * Named strategy parameter sets (the original's presets, REFERENCE §1.8, now in PostgreSQL).
 * Unlike the original, parameters are validated against the strategy's schema on every write
 * and creating an existing name is a `CONFLICT` rather than a silent overwrite.
 */
export class PresetRepository {
  private readonly now: () => number;

  constructor(
    private readonly ds: DataSource,
    private readonly validateParams: StrategyParamsValidator,
    options: PresetRepositoryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Creates a preset. `INVALID_PARAMS` for bad fields or params, `CONFLICT` if the name exists. */
  async create(input: PresetInput): Promise<Preset> {
    const v = new IssueList();
    v.text('name', input.name, 100);
    v.text('strategy', input.strategy, 100);
    checkDescription(v, input.description);
    if (v.issues.length) throw new ResultValidationError(v.issues, 'preset');
    const params = await this.parse(input.strategy, input.params);
    const now = new Date(this.now());
    try {
      const rows = await runQuery<PresetDbRow>(
        this.ds,
        `INSERT INTO presets (name, strategy, params, description, created_at, updated_at) VALUES ($1, $2, $3::jsonb, $4, $5, $5) RETURNING ${COLUMNS}`,
        [input.name, input.strategy, JSON.stringify(params), input.description ?? '', now],
        `create preset ${input.name}`,
      );
      return toPreset(rows[0]);
    } catch (err) {
      if (err instanceof DatabaseQueryError && err.sqlState === '23505') {
        throw new ResultConflictError(`A preset named "${input.name}" already exists`, 'preset_name', undefined, { cause: err });
      }
      throw err;
    }
  }

  /** The preset called `name`; `NOT_FOUND` if there is none. */
  async get(name: string): Promise<Preset> {
    const rows = await runQuery<PresetDbRow>(this.ds, `SELECT ${COLUMNS} FROM presets WHERE name = $1`, [name], `read preset ${name}`);
    if (rows.length === 0) throw new ResultNotFoundError('preset', name);
    return toPreset(rows[0]);
  }

  /** Every preset (optionally of one strategy), newest first. */
  async list(filter: { readonly strategy?: string } = {}): Promise<readonly Preset[]> {
    const rows = await runQuery<PresetDbRow>(
      this.ds,
      `SELECT ${COLUMNS} FROM presets WHERE ($1::text IS NULL OR strategy = $1) ORDER BY created_at DESC, id DESC`,
      [filter.strategy ?? null],
      'list presets',
    );
    return rows.map(toPreset);
  }

  /**
   * Changes the given fields and refreshes `updatedAt` (`createdAt` is kept). When the strategy or
   * the params change, the resulting pair is validated again. `NOT_FOUND` if there is no such preset.
   */
  async update(name: string, patch: PresetPatch): Promise<Preset> {
    const v = new IssueList();
    v.text('strategy', patch.strategy, 100, true);
    checkDescription(v, patch.description);
    if (v.issues.length) throw new ResultValidationError(v.issues, 'preset');
    try {
      return await this.ds.transaction(async (m) => {
        const current = (await m.query(`SELECT ${COLUMNS} FROM presets WHERE name = $1 FOR UPDATE`, [name])) as PresetDbRow[];
        if (current.length === 0) throw new ResultNotFoundError('preset', name);
        const strategy = patch.strategy ?? current[0].strategy;
        const params = patch.strategy !== undefined || patch.params !== undefined ? await this.parse(strategy, patch.params ?? current[0].params) : current[0].params;
        const rows = (await m.query(
          `UPDATE presets SET strategy = $2, params = $3::jsonb, description = $4, updated_at = $5 WHERE name = $1 RETURNING ${COLUMNS}`,
          [name, strategy, JSON.stringify(params), patch.description ?? current[0].description, new Date(this.now())],
        )) as [PresetDbRow[], number];
        return toPreset(rows[0][0]);
      });
    } catch (err) {
      throw toResultsError(err, `update preset ${name}`);
    }
  }

  /** Deletes the preset; `NOT_FOUND` if there is none. */
  async delete(name: string): Promise<void> {
    const rows = await runQuery<{ id: string }>(this.ds, `DELETE FROM presets WHERE name = $1 RETURNING id`, [name], `delete preset ${name}`);
    if (rows.length === 0) throw new ResultNotFoundError('preset', name);
  }

  /** Runs the injected validator; its failure becomes `INVALID_PARAMS` with the original as cause. */
  private async parse(strategy: string, raw: unknown): Promise<Record<string, unknown>> {
    let parsed: unknown;
    try {
      parsed = await this.validateParams(strategy, raw ?? {});
    } catch (err) {
      if (err instanceof ResultsError) throw err;
      throw new ResultValidationError(issuesOf(err), `params for strategy "${strategy}"`, { cause: err });
    }
    if (!isPlainObject(parsed)) {
      throw new ResultValidationError([{ field: 'params', message: 'the strategy validator did not return an object of parameters' }], `params for strategy "${strategy}"`);
    }
    return parsed;
  }
}

function checkDescription(v: IssueList, description: unknown): void {
  if (description !== undefined && (typeof description !== 'string' || description.length > 10_000)) {
    v.add('description', 'must be a string of at most 10000 characters');
  }
}

/** The `{field, message}` issues of a validator error, prefixed with `params.`; else one issue with its message. */
function issuesOf(err: unknown): readonly ResultsIssue[] {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'UNKNOWN_STRATEGY') return [{ field: 'strategy', message }];
  const issues = typeof err === 'object' && err !== null ? (err as { issues?: unknown }).issues : undefined;
  if (Array.isArray(issues) && issues.length > 0 && issues.every((i) => typeof i?.field === 'string' && typeof i?.message === 'string')) {
    return issues.map((i: ResultsIssue) => ({ field: `params.${i.field}`, message: i.message }));
  }
  return [{ field: 'params', message }];
}
