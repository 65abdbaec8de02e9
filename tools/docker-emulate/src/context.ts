/**
 * The build context as `docker build` would send it: the committed tree (`git archive HEAD`, so local
 * uncommitted changes are not part of it, as in CI) minus what the context's `.dockerignore` excludes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools share helpers by path (they are not packages)
import { isIgnored } from '../../ops/src/docker-lint/project-checks';

/** Extracts `ref` (the committed tree) of the repository at `repoRoot` into `target`: what the Dockerfiles and compose.yml are read from. */
export function checkout(repoRoot: string, target: string, ref = 'HEAD'): void {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', `git -C "$0" archive --format=tar "$1" | tar -x -C "$2"`, repoRoot, ref, target], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`git archive ${ref} failed: ${r.stderr}`);
}

/** {@link checkout} into `target`, then removes what `.dockerignore` excludes; returns the number of files kept. */
export function buildContext(repoRoot: string, target: string, ref = 'HEAD'): number {
  checkout(repoRoot, target, ref);
  const ignoreFile = join(target, '.dockerignore');
  const ignore = existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '';
  let kept = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const abs = join(dir, e);
      const rel = relative(target, abs);
      if (isIgnored(rel, ignore)) {
        rmSync(abs, { recursive: true, force: true });
        continue;
      }
      if (statSync(abs).isDirectory()) walk(abs);
      else kept++;
    }
  };
  walk(target);
  return kept;
}
