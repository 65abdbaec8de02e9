import { listStrategies, parseStrategyParams } from '@coinhts/engine';
import type { Preset } from '@coinhts/results';
import { z } from 'zod';
import type { RouteDef } from '../http/route-table';
import { jsonBody, parseInput } from '../http/validate';
import type { RouteDeps } from './deps';
import { PresetCreateSchema, PresetNameParamsSchema, PresetSchema, PresetUpdateSchema, StrategySchema } from './schemas';
import { iso } from './views';

const presetView = (p: Preset) => ({
  name: p.name,
  strategy: p.strategy,
  params: p.params,
  description: p.description,
  created_at: iso(p.createdAt) as string,
  updated_at: iso(p.updatedAt) as string,
  links: { self: `/api/v1/presets/${encodeURIComponent(p.name)}` },
});

/** Example preset (the original's "balanced" built-in). */
export const PRESET_EXAMPLE = { name: 'balanced', strategy: 'volume_zone_breakout', params: { volume_window: 20, top_percentile: 0.2, breakout_buffer: 0 }, description: 'The original UI preset "balanced"' };

const PresetListQuerySchema = z.strictObject({ strategy: z.string().min(1).max(100).optional() });

/** Strategies (from the engine registry) and presets (results repository). */
export function strategyAndPresetRoutes(deps: RouteDeps): RouteDef[] {
  return [
    {
      method: 'get',
      path: '/api/v1/strategies',
      operationId: 'listStrategies',
      summary: 'Registered strategies with the JSON Schema of their parameters (defaults and ranges)',
      tags: ['strategies'],
      scope: 'read',
      responses: { 200: { description: 'Every strategy', schema: z.object({ strategies: z.array(StrategySchema), count: z.number().int() }) } },
      handler: (_req, res) => {
        const strategies = listStrategies().map((s) => ({
          name: s.name,
          title: s.title,
          description: s.description,
          params_schema: s.jsonSchema as Record<string, unknown>,
          defaults: parseStrategyParams(s, {}) as Record<string, unknown>,
        }));
        res.json({ strategies, count: strategies.length });
      },
    },
    {
      method: 'get',
      path: '/api/v1/presets',
      operationId: 'listPresets',
      summary: 'Presets, newest first',
      tags: ['presets'],
      scope: 'read',
      request: { query: PresetListQuerySchema },
      responses: { 200: { description: 'Presets', schema: z.object({ presets: z.array(PresetSchema), count: z.number().int() }) } },
      handler: async (req, res) => {
        const q = parseInput(PresetListQuerySchema, req.query, 'query');
        const list = await deps.presets.list({ strategy: q.strategy });
        res.json({ presets: list.map(presetView), count: list.length });
      },
    },
    {
      method: 'post',
      path: '/api/v1/presets',
      operationId: 'createPreset',
      summary: 'Create a preset (params are checked against the strategy and stored with defaults)',
      tags: ['presets'],
      scope: 'run',
      request: { body: PresetCreateSchema, bodyExample: PRESET_EXAMPLE },
      responses: {
        201: { description: 'Created', schema: PresetSchema, headers: { Location: 'URL of the preset' } },
        409: { description: 'A preset with this name exists (`CONFLICT`)' },
      },
      handler: async (req, res) => {
        const body = parseInput(PresetCreateSchema, jsonBody(req), 'body');
        const p = await deps.presets.create(body);
        res.status(201).location(`/api/v1/presets/${encodeURIComponent(p.name)}`).json(presetView(p));
      },
    },
    {
      method: 'get',
      path: '/api/v1/presets/:name',
      operationId: 'getPreset',
      summary: 'One preset',
      tags: ['presets'],
      scope: 'read',
      request: { params: PresetNameParamsSchema },
      responses: { 200: { description: 'The preset', schema: PresetSchema }, 404: { description: 'No such preset (`NOT_FOUND`)' } },
      handler: async (req, res) => {
        const { name } = parseInput(PresetNameParamsSchema, req.params, 'params');
        res.json(presetView(await deps.presets.get(name)));
      },
    },
    {
      method: 'put',
      path: '/api/v1/presets/:name',
      operationId: 'updatePreset',
      summary: 'Change a preset (given fields only; params re-checked)',
      tags: ['presets'],
      scope: 'run',
      request: { params: PresetNameParamsSchema, body: PresetUpdateSchema, bodyExample: { params: { volume_window: 30 } } },
      responses: { 200: { description: 'Updated', schema: PresetSchema }, 404: { description: 'No such preset (`NOT_FOUND`)' } },
      handler: async (req, res) => {
        const { name } = parseInput(PresetNameParamsSchema, req.params, 'params');
        const body = parseInput(PresetUpdateSchema, jsonBody(req), 'body');
        res.json(presetView(await deps.presets.update(name, body)));
      },
    },
    {
      method: 'delete',
      path: '/api/v1/presets/:name',
      operationId: 'deletePreset',
      summary: 'Delete a preset',
      tags: ['presets'],
      scope: 'run',
      request: { params: PresetNameParamsSchema },
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such preset (`NOT_FOUND`)' } },
      handler: async (req, res) => {
        const { name } = parseInput(PresetNameParamsSchema, req.params, 'params');
        await deps.presets.delete(name);
        res.status(204).end();
      },
    },
  ];
}
