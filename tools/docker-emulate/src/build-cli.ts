/**
 * `node -r @swc-node/register tools/docker-emulate/src/build-cli.ts <options JSON>`: builds one image
 * (builder.ts) in its own process, so two images build at the same time as `docker compose build`
 * does; progress goes to stderr, the built image as JSON to stdout. Layers both builds need are built
 * once (the layer lock makes the other build wait for it).
 */
import { buildImage, type BuildOptions } from './builder';

const opts = JSON.parse(process.argv[2] ?? '{}') as Omit<BuildOptions, 'used' | 'log'>;
const used = new Set<string>();
try {
  const image = buildImage({ ...opts, used, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify({ image, used: [...used] })}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
