/**
 * docker/compose.yml as Docker Compose resolves it: YAML with merge keys, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?message}`, `${VAR?message}` and `$$` interpolated from an env file (and
 * nothing else: the emulation never reads the caller's environment).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** One resolved service (the fields the emulation uses). */
export interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context?: string; readonly dockerfile?: string };
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly depends_on?: Readonly<Record<string, { condition?: string }>>;
  readonly healthcheck?: { readonly test?: readonly string[] };
  readonly deploy?: { readonly replicas?: number };
  readonly ports?: readonly string[];
  readonly volumes?: readonly string[];
}

/** The resolved file. */
export interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>;
}

/** Variables of a dotenv file (`NAME=value`, comments and blanks ignored, optional quotes removed). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2].trim();
    out[m[1]] = /^(['"]).*\1$/.test(v) ? v.slice(1, -1) : v;
  }
  return out;
}

/** Interpolates one string as Compose does; throws with the message of a `:?` / `?` variable that is missing. */
export function interpolate(s: string, vars: Readonly<Record<string, string>>): string {
  return s.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^}])*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, name: string | undefined, colon: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    if (m === '$$') return '$';
    const key = (name ?? bare) as string;
    const value = vars[key];
    const missing = value === undefined || (colon === ':' && value === '');
    if (op === '-') return missing ? (arg ?? '') : value;
    if (op === '?') {
      if (missing) throw new Error(`required variable ${key} is missing a value: ${arg ?? ''}`);
      return value;
    }
    return value ?? '';
  });
}

function deep(v: unknown, vars: Readonly<Record<string, string>>): unknown {
  if (typeof v === 'string') return interpolate(v, vars);
  if (Array.isArray(v)) return v.map((x) => deep(x, vars));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x, vars)]));
  return v;
}

/** Reads and resolves `composePath` with the variables of `envFileText`. */
export function resolveCompose(composePath: string, envFileText: string): ComposeFile {
  const vars = parseEnvFile(envFileText);
  const raw = deep(parseYaml(readFileSync(composePath, 'utf8'), { merge: true }), vars) as { services: Record<string, Record<string, unknown>> };
  const services: Record<string, ComposeService> = {};
  for (const [name, svc] of Object.entries(raw.services)) {
    const env = svc['environment'];
    const environment: Record<string, string> = {};
    if (Array.isArray(env)) for (const e of env as string[]) environment[e.split('=')[0]] = e.split('=').slice(1).join('=');
    else for (const [k, v] of Object.entries((env as Record<string, unknown>) ?? {})) if (v !== null && v !== undefined) environment[k] = String(v);
    const dependsRaw = svc['depends_on'];
    const depends_on = Array.isArray(dependsRaw) ? Object.fromEntries((dependsRaw as string[]).map((d) => [d, { condition: 'service_started' }])) : (dependsRaw as Record<string, { condition?: string }> | undefined);
    services[name] = { ...(svc as object), environment, depends_on } as ComposeService;
  }
  return { services };
}

/** Start order: a service after everything it depends on (throws on a cycle). */
export function startOrder(file: ComposeFile): string[] {
  const out: string[] = [];
  const visiting = new Set<string>();
  const visit = (n: string) => {
    if (out.includes(n)) return;
    if (visiting.has(n)) throw new Error(`dependency cycle at ${n}`);
    visiting.add(n);
    for (const d of Object.keys(file.services[n]?.depends_on ?? {})) visit(d);
    visiting.delete(n);
    out.push(n);
  };
  for (const n of Object.keys(file.services)) visit(n);
  return out;
}
