import { getStrategy, InvalidParamsError, parseStrategyParams } from '@coinhts/engine';
import { PresetRepository, type StrategyParamsValidator } from './preset-repository';
import { useTestSchema } from '../test/pg-schema';

const db = useTestSchema();
let clock = Date.UTC(2025, 2, 1);
const tick = () => (clock += 1000);

// The engine's own registry and parameter schemas (zod, strict, defaults applied).
const validate: StrategyParamsValidator = (strategy, raw) => parseStrategyParams(getStrategy(strategy), raw);
const repo = () => new PresetRepository(db.ds, validate, { now: () => clock });

describe('PresetRepository', () => {
  // The original frontend's built-in presets (REFERENCE §1.8).
  beforeAll(async () => {
    tick();
    await repo().create({ name: 'conservative', strategy: 'volume_long_candle', params: { vol_ma_window: 20, vol_multiplier: 1.5, body_pct: 0.01 } });
    tick();
    await repo().create({ name: 'balanced', strategy: 'volume_zone_breakout', params: { volume_window: 20, top_percentile: 0.2, breakout_buffer: 0 }, description: 'middle of the road' });
    tick();
    await repo().create({ name: 'aggressive', strategy: 'volume_zone_breakout', params: { volume_window: 10, top_percentile: 0.3, breakout_buffer: 0 } });
  });

  it('stores the validated params with the defaults filled in', async () => {
    const { rows } = await db.pg.query(`SELECT strategy, params, description FROM presets WHERE name = 'conservative'`);
    expect(rows).toEqual([{ strategy: 'volume_long_candle', params: { vol_ma_window: 20, vol_multiplier: 1.5, body_pct: 0.01, hold_period_bars: 1 }, description: '' }]);
  });

  it('lists newest first, optionally by strategy', async () => {
    expect((await repo().list()).map((p) => p.name)).toEqual(['aggressive', 'balanced', 'conservative']);
    expect((await repo().list({ strategy: 'volume_zone_breakout' })).map((p) => p.name)).toEqual(['aggressive', 'balanced']);
  });

  it('refuses a second preset with the same name (CONFLICT) and keeps the first', async () => {
    await expect(repo().create({ name: 'balanced', strategy: 'volume_long_candle' })).rejects.toMatchObject({ code: 'CONFLICT', key: 'preset_name' });
    expect((await repo().get('balanced')).strategy).toBe('volume_zone_breakout');
  });

  it('refuses params the strategy schema rejects, keeping the validator error as cause and naming the field', async () => {
    const err = await repo().create({ name: 'bad', strategy: 'volume_long_candle', params: { vol_ma_window: 1.5, nope: 1 } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_PARAMS' });
    expect((err as { issues: { field: string }[] }).issues.map((i) => i.field).sort()).toEqual(['params.nope', 'params.vol_ma_window']);
    expect((err as Error).cause).toBeInstanceOf(InvalidParamsError);
    await expect(repo().create({ name: 'bad', strategy: 'no_such' })).rejects.toMatchObject({ code: 'INVALID_PARAMS', issues: [{ field: 'strategy' }] });
    await expect(repo().create({ name: '', strategy: 'volume_long_candle' })).rejects.toMatchObject({ code: 'INVALID_PARAMS', issues: [{ field: 'name' }] });
    expect((await db.pg.query(`SELECT count(*)::int AS n FROM presets WHERE name IN ('bad', '')`)).rows[0].n).toBe(0);
  });

  it('updates only the given fields, keeps createdAt and refreshes updatedAt', async () => {
    const before = await repo().get('aggressive');
    tick();
    const after = await repo().update('aggressive', { description: 'more signals' });
    expect(after).toEqual({ ...before, description: 'more signals', updatedAt: clock });
    const changed = await repo().update('aggressive', { params: { volume_window: 5 } });
    // Defaults of volume_zone_breakout (REFERENCE §1.4 names; engine schema): 0.2, 0, 1, 20 bins, wicks included.
    expect(changed.params).toEqual({ volume_window: 5, top_percentile: 0.2, breakout_buffer: 0, hold_period_bars: 1, num_bins: 20, include_wicks: true });
    expect(changed.description).toBe('more signals');
  });

  it('re-validates the kept params when only the strategy changes, and leaves the row alone when they do not fit', async () => {
    await expect(repo().update('aggressive', { strategy: 'volume_long_candle' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    expect((await repo().get('aggressive')).strategy).toBe('volume_zone_breakout');
    const moved = await repo().update('aggressive', { strategy: 'volume_long_candle', params: {} });
    expect(moved.params).toEqual({ vol_ma_window: 20, vol_multiplier: 1.5, body_pct: 0.02, hold_period_bars: 1 });
  });

  it('gives NOT_FOUND for unknown names on get, update and delete; delete removes the row', async () => {
    await expect(repo().get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND', entity: 'preset', key: 'nope' });
    await expect(repo().update('nope', { description: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await repo().delete('conservative');
    expect((await db.pg.query(`SELECT count(*)::int AS n FROM presets WHERE name = 'conservative'`)).rows[0].n).toBe(0);
    await expect(repo().delete('conservative')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
