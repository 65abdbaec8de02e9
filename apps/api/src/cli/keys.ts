/**
 * API key management:
 *
 *   node --conditions=@coinhts/source -r @swc-node/register apps/api/src/cli/keys.ts create --name ci --scopes read,run
 *   … keys.ts list
 *   … keys.ts revoke <key id or prefix>
 *
 * Reads DATABASE_URL (and DB_SCHEMA). The secret key is printed once by `create` and never stored.
 * Exit codes: 0 ok, 1 failure, 2 usage or configuration error.
 */
import { createDataSource, ensureInitialized, pendingMigrations } from '@coinhts/results';
import { ApiKeyRepository, type ApiKeyRecord } from '../auth/api-key-store';
import { ConfigError, loadKeysCliConfig } from '../config';

const USAGE = `Usage:
  keys.ts create --name <name> --scopes <read,run,admin>
  keys.ts list
  keys.ts revoke <key id or prefix>`;

/** Parsed command line. */
export type KeysCommand =
  | { readonly kind: 'create'; readonly name: string; readonly scopes: readonly string[] }
  | { readonly kind: 'list' }
  | { readonly kind: 'revoke'; readonly key: string };

/** Parses `argv` (without node and script); throws an Error with the usage on bad input. */
export function parseKeysArgs(argv: readonly string[]): KeysCommand {
  const [cmd, ...rest] = argv;
  const flag = (name: string): string | undefined => {
    const i = rest.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    return rest[i].includes('=') ? rest[i].slice(rest[i].indexOf('=') + 1) : rest[i + 1];
  };
  if (cmd === 'create') {
    const name = flag('name');
    const scopes = flag('scopes');
    if (!name || !scopes) throw new Error(`create needs --name and --scopes\n${USAGE}`);
    return { kind: 'create', name, scopes: scopes.split(',').map((s) => s.trim()).filter(Boolean) };
  }
  if (cmd === 'list') return { kind: 'list' };
  if (cmd === 'revoke' && rest[0] && !rest[0].startsWith('--')) return { kind: 'revoke', key: rest[0] };
  throw new Error(USAGE);
}

const line = (r: ApiKeyRecord) =>
  [r.id, r.prefix, r.name, r.scopes.join(','), new Date(r.createdAt).toISOString(), r.lastUsedAt ? new Date(r.lastUsedAt).toISOString() : '-', r.revokedAt ? `revoked ${new Date(r.revokedAt).toISOString()}` : 'active'].join('\t');

/** Runs one command against the repository; returns the text to print. */
export async function runKeysCommand(repo: ApiKeyRepository, cmd: KeysCommand): Promise<string> {
  switch (cmd.kind) {
    case 'create': {
      const { key, record } = await repo.create({ name: cmd.name, scopes: cmd.scopes });
      return `${key}\n# id ${record.id}, prefix ${record.prefix}, scopes ${record.scopes.join(',')}. Store the key now: it is not kept and cannot be shown again.`;
    }
    case 'list': {
      const all = await repo.list();
      return ['id\tprefix\tname\tscopes\tcreated\tlast used\tstate', ...all.map(line)].join('\n');
    }
    case 'revoke': {
      const r = await repo.revoke(cmd.key);
      return `revoked ${r.id} (${r.prefix}, ${r.name}); API processes stop accepting it within AUTH_CACHE_TTL_MS`;
    }
  }
}

async function main(): Promise<number> {
  let cmd: KeysCommand;
  let config;
  try {
    cmd = parseKeysArgs(process.argv.slice(2));
    config = loadKeysCliConfig();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const ds = createDataSource({ url: config.database.url, schema: config.database.schema, poolSize: 2, applicationName: 'coinhts-keys' });
  try {
    await ensureInitialized(ds);
    const pending = await pendingMigrations(ds);
    if (pending.length > 0) {
      process.stderr.write(`error: the database schema is not up to date (${pending.length} migration(s) pending); run \`coinhts db migrate\` first\n`);
      return 2;
    }
    process.stdout.write(`${await runKeysCommand(new ApiKeyRepository(ds), cmd)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`}\n`);
    return 1;
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}

if (require.main === module) {
  main().then((code) => process.exit(code), (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
