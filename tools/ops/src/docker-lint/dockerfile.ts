/**
 * A small Dockerfile parser and linter. hadolint is not installable here (no Debian package, no
 * npm package; its binary downloads are not reachable), so the rules this project relies on are
 * checked by this module instead. Rule ids follow hadolint's where one exists (DLxxxx); rules
 * specific to coin-hts are `CH…`.
 */

/** One instruction after joining continuation lines. */
export interface Instruction {
  /** Upper-case keyword (`FROM`, `RUN`, …). */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

/** A build stage: a `FROM` and the instructions up to the next `FROM`. */
export interface Stage {
  readonly index: number;
  /** Image reference after ARG substitution. */
  readonly image: string;
  /** `AS name`, lower-cased, if any. */
  readonly name?: string;
  readonly instructions: readonly Instruction[];
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  /** `ARG`s declared before the first `FROM`, with their defaults. */
  readonly globalArgs: Readonly<Record<string, string | undefined>>;
  readonly stages: readonly Stage[];
  readonly instructions: readonly Instruction[];
}

/** One finding. */
export interface LintFinding {
  readonly rule: string;
  readonly line: number;
  readonly message: string;
}

/** Splits a Dockerfile into instructions (comments and parser directives dropped, `\` continuations joined). */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let buf = '';
  let start = 0;
  let heredoc: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (heredoc !== undefined) {
      buf += `\n${raw}`;
      if (raw.trim() === heredoc) heredoc = undefined;
      if (heredoc === undefined) {
        push();
      }
      continue;
    }
    const trimmed = raw.trim();
    if (buf === '' && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (buf !== '' && trimmed.startsWith('#')) continue; // comment inside a continuation
    if (buf === '') start = i + 1;
    const continued = /\\\s*$/.test(raw);
    buf += (buf === '' ? '' : ' ') + (continued ? raw.replace(/\\\s*$/, '') : raw).trim();
    const hd = /<<-?\s*['"]?([A-Za-z_]+)['"]?/.exec(raw);
    if (!continued && hd) {
      heredoc = hd[1];
      continue;
    }
    if (!continued) push();
  }
  if (buf !== '') push();
  return out;

  function push(): void {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(buf);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buf = '';
  }
}

function substitute(s: string, vars: Readonly<Record<string, string | undefined>>): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a: string | undefined, b: string | undefined) => vars[(a ?? b) as string] ?? m);
}

/** Parses a Dockerfile into global ARGs and stages. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions = parseInstructions(text);
  const globalArgs: Record<string, string | undefined> = {};
  const stages: { index: number; image: string; name?: string; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [k, ...v] = ins.args.split('=');
      globalArgs[k.trim()] = v.length ? v.join('=').trim() : undefined;
      continue;
    }
    if (ins.keyword === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--platform'));
      const asIdx = parts.findIndex((p) => p.toUpperCase() === 'AS');
      stages.push({
        index: stages.length,
        image: substitute(parts[0], globalArgs),
        name: asIdx >= 0 ? parts[asIdx + 1]?.toLowerCase() : undefined,
        instructions: [],
      });
      continue;
    }
    stages[stages.length - 1]?.instructions.push(ins);
  }
  return { globalArgs, stages, instructions };
}

function isExecForm(args: string): boolean {
  const s = args.trim();
  if (!s.startsWith('[')) return false;
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) && v.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}

/** Splits a RUN command on `&&`, `;` and `||` into simple commands (good enough for apt/npm checks). */
function commands(run: string): string[] {
  return run.split(/&&|\|\||;/).map((c) => c.trim()).filter(Boolean);
}

/**
 * Lints a parsed Dockerfile with general rules (hadolint's where one exists):
 * DL3000 absolute WORKDIR · DL3004 no sudo · DL3006/DL3007 pinned base images, never `latest` ·
 * DL3008 apt versions pinned · DL3009 apt lists removed in the same RUN · DL3014 `-y` ·
 * DL3015 `--no-install-recommends` · DL3016 npm global installs pinned · DL3020 COPY, not ADD, for
 * local files · DL3022 `COPY --from` names a previous stage · DL3024 unique stage names ·
 * DL3025 exec form for CMD/ENTRYPOINT · DL4006-like: a lone `apt-get update` · CH001 final stage
 * runs as a non-root user · CH002 final stage has an exec-form HEALTHCHECK · CH003 no secrets in
 * ENV/ARG defaults · CH004 multi-stage · CH005 `npm ci` instead of `npm install` for the project.
 */
export function lintDockerfile(df: Dockerfile): LintFinding[] {
  const f: LintFinding[] = [];
  const add = (rule: string, line: number, message: string) => f.push({ rule, line, message });
  if (df.stages.length === 0) {
    add('DL3061', 1, 'no FROM instruction');
    return f;
  }
  const names = new Set<string>();
  for (const st of df.stages) {
    const fromLine = df.instructions.filter((i) => i.keyword === 'FROM')[st.index]?.line ?? 1;
    if (st.name) {
      if (names.has(st.name)) add('DL3024', fromLine, `stage name "${st.name}" is used twice`);
      names.add(st.name);
    }
    const earlierStage = (ref: string) => df.stages.slice(0, st.index).some((s) => s.name === ref.toLowerCase());
    if (!earlierStage(st.image) && st.image !== 'scratch') {
      if (st.image.includes('$')) add('DL3006', fromLine, `base image "${st.image}" uses an ARG without a default`);
      else {
        const tag = /:([^/@]+)$/.exec(st.image)?.[1];
        if (!tag && !st.image.includes('@sha256:')) add('DL3006', fromLine, `base image "${st.image}" has no tag`);
        if (tag === 'latest') add('DL3007', fromLine, `base image "${st.image}" uses latest`);
      }
    }
    for (const ins of st.instructions) {
      switch (ins.keyword) {
        case 'WORKDIR':
          if (!ins.args.startsWith('/') && !ins.args.startsWith('$')) add('DL3000', ins.line, `WORKDIR ${ins.args} is not absolute`);
          break;
        case 'ADD':
          if (!/^(--\S+\s+)*(https?:\/\/|git@)/.test(ins.args)) add('DL3020', ins.line, 'use COPY for local files and folders');
          break;
        case 'COPY': {
          const from = /--from=(\S+)/.exec(ins.args)?.[1];
          if (from && !/^\d+$/.test(from) && !from.includes(':') && !earlierStage(from)) add('DL3022', ins.line, `COPY --from=${from} does not name an earlier stage`);
          break;
        }
        case 'CMD':
        case 'ENTRYPOINT':
          if (!isExecForm(ins.args)) add('DL3025', ins.line, `${ins.keyword} should use the exec (JSON array) form so signals reach the process`);
          break;
        case 'ENV':
        case 'ARG':
          for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) {
            if (/(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|ACCESS_KEY)/i.test(m[1]) && !/^\$/.test(m[2])) add('CH003', ins.line, `${ins.keyword} ${m[1]} bakes a secret into the image`);
          }
          break;
        case 'RUN':
          lintRun(ins, add);
          break;
        default:
          break;
      }
    }
  }
  if (df.stages.length < 2) add('CH004', 1, 'single-stage build: build tools and dev dependencies end up in the runtime image');
  const final = df.stages[df.stages.length - 1];
  const users = final.instructions.filter((i) => i.keyword === 'USER');
  const lastUser = users[users.length - 1];
  if (!lastUser) add('CH001', final.instructions[0]?.line ?? 1, 'the final stage never sets USER: the container runs as root');
  else if (/^(root|0)(:|$)/.test(lastUser.args.trim())) add('CH001', lastUser.line, 'the final stage runs as root');
  const hc = final.instructions.filter((i) => i.keyword === 'HEALTHCHECK');
  if (hc.length === 0) add('CH002', final.instructions[0]?.line ?? 1, 'the final stage has no HEALTHCHECK');
  for (const h of hc) {
    const cmd = /CMD\s+([\s\S]*)$/.exec(h.args)?.[1];
    if (!/^NONE$/i.test(h.args.trim()) && (!cmd || !isExecForm(cmd))) add('CH002', h.line, 'HEALTHCHECK CMD should use the exec form');
  }
  return f;
}

function lintRun(ins: Instruction, add: (rule: string, line: number, message: string) => void): void {
  const cmds = commands(ins.args);
  if (/(^|\s)sudo\s/.test(ins.args)) add('DL3004', ins.line, 'do not use sudo');
  const aptInstall = cmds.filter((c) => /apt-get\s+(.*\s)?install\b/.test(c));
  const aptUpdate = cmds.some((c) => /apt-get\s+update\b/.test(c));
  if (aptUpdate && aptInstall.length === 0) add('DL3009', ins.line, 'apt-get update without an install in the same RUN leaves a stale cache layer');
  for (const c of aptInstall) {
    if (!/\s-y\b|--yes\b|--assume-yes\b/.test(c)) add('DL3014', ins.line, 'apt-get install needs -y');
    if (!c.includes('--no-install-recommends')) add('DL3015', ins.line, 'apt-get install should use --no-install-recommends');
    const pkgs = c.replace(/^.*apt-get\s+/, '').split(/\s+/).filter((t) => t !== 'install' && !t.startsWith('-'));
    for (const p of pkgs) if (!p.includes('=')) add('DL3008', ins.line, `apt package "${p}" has no pinned version`);
    if (!/rm\s+-rf\s+\/var\/lib\/apt\/lists/.test(ins.args)) add('DL3009', ins.line, 'remove /var/lib/apt/lists in the same RUN as apt-get install');
  }
  for (const c of cmds) {
    const npmI = /^npm\s+(install|i|add)\b(.*)$/.exec(c);
    if (!npmI) continue;
    const rest = npmI[2];
    if (/(\s|^)(-g|--global)\b/.test(rest)) {
      for (const p of rest.split(/\s+/).filter((t) => t && !t.startsWith('-'))) {
        if (!/@\d/.test(p.replace(/^@[^/]+\//, ''))) add('DL3016', ins.line, `npm global package "${p}" has no pinned version`);
      }
    } else {
      add('CH005', ins.line, 'use `npm ci` (the lockfile, exactly) instead of `npm install` for project dependencies');
    }
  }
}
