import type { Command } from 'commander';
import { listStrategies } from '@coinhts/engine';
import { formatTable } from '../format/text-table';
import type { CommandContext } from './context';

interface JsonSchemaProperty {
  readonly type?: string;
  readonly default?: unknown;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly enum?: readonly unknown[];
}

/** The allowed range of a parameter in words, read from its JSON Schema (`[2, 10000]`, `(0, 1]`, `true|false`). */
export function rangeOf(p: JsonSchemaProperty): string {
  if (p.type === 'boolean') return 'true|false';
  if (p.enum) return p.enum.map(String).join('|');
  const lo = p.exclusiveMinimum !== undefined ? `(${p.exclusiveMinimum}` : p.minimum !== undefined ? `[${p.minimum}` : '(-inf';
  const hi = p.exclusiveMaximum !== undefined ? `${p.exclusiveMaximum})` : p.maximum !== undefined ? `${p.maximum}]` : 'inf)';
  return `${lo}, ${hi}`;
}

/** `coinhts strategies [--json]`: every registered strategy with its parameters, defaults and ranges. */
export function register(program: Command, ctx: CommandContext): void {
  program
    .command('strategies')
    .description('list the strategies with their parameters (defaults and allowed ranges)')
    .option('--json', 'print name, title, description and the JSON Schema of the parameters')
    .action((opts: { json?: boolean }) => {
      const strategies = listStrategies();
      if (opts.json) {
        const out = strategies.map((s) => ({ name: s.name, title: s.title, description: s.description, parameters: s.jsonSchema }));
        ctx.io.stdout(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const parts = strategies.map((s) => {
        const props = (s.jsonSchema.properties ?? {}) as Record<string, JsonSchemaProperty>;
        const rows = [['PARAMETER', 'TYPE', 'DEFAULT', 'RANGE', 'DESCRIPTION']];
        for (const [name, p] of Object.entries(props)) rows.push([name, p.type ?? '', JSON.stringify(p.default) ?? '', rangeOf(p), p.description ?? '']);
        return `${s.name} — ${s.title}\n  ${s.description}\n\n${formatTable(rows).trimEnd().replace(/^/gm, '  ')}\n`;
      });
      ctx.io.stdout(`${parts.join('\n')}\nUse: coinhts backtest --strategy NAME --param key=value ...\n`);
    });
}
