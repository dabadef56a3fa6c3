import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildBase, timed } from './base.js';
import { CONTAINERS_ENV, GPU_IMAGE, IMAGE, REPO } from './image.js';
import { run } from '../run-command.js';

/**
 * `make image` (`main.ts`, the CPU image) and `make image-gpu` (`main.ts gpu`): nasmesh's image from the repository's
 * Dockerfile with buildah, no Docker engine and no image registry: the base from Debian's packages and npm's
 * (base.ts), then `buildah bud` with its layer cache, so an unchanged input is never built twice. `NASMESH_IMAGE_CACHE`
 * moves the cache of the base's inputs (default ~/.cache/nasmesh/image).
 */
const TARGETS = { cpu: IMAGE, gpu: GPU_IMAGE } as const;

/** Mounted into the build's RUN steps, so npm and pip reach their registries through this machine's proxy. */
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

async function main(): Promise<void> {
  const target = process.argv[2] ?? 'cpu';
  if (!Object.hasOwn(TARGETS, target)) throw new Error(`unknown target '${target}' (allowed: ${Object.keys(TARGETS).join(', ')})`);
  const image = TARGETS[target as keyof typeof TARGETS];
  Object.assign(process.env, CONTAINERS_ENV);
  const log = (line: string) => console.log(`image: ${line}`);
  const started = performance.now();
  const cache = process.env.NASMESH_IMAGE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nasmesh', 'image');
  const base = await buildBase(cache, log);
  const ca = existsSync(HOST_CA) ? ['--volume', '/etc/ssl/certs:/host-ca:ro', '--build-arg', 'CA_BUNDLE=/host-ca/ca-certificates.crt'] : [];
  await timed(log, `${image} from the Dockerfile (buildah bud)`, async () => {
    let step = performance.now();
    // One line per Dockerfile step with the time the last one took (buildah's own output is kept for failures only).
    const onLine = (line: string) => {
      const m = /^(\[\d+\/\d+\] )?STEP \d+\/\d+: .*/.exec(line);
      if (!m) return;
      const now = performance.now();
      log(`${line.slice(0, 120)}  (previous step ${((now - step) / 1000).toFixed(1)} s)`);
      step = now;
    };
    const args = [
      'bud',
      '--isolation',
      'chroot',
      '--layers',
      '--build-arg',
      `BASE=${base}`,
      ...ca,
      '--target',
      target,
      '--tag',
      image,
      REPO,
    ];
    await run('buildah', args, { what: 'buildah bud', onLine, lines: 5 });
  });
  const size = Number((await run('podman', ['image', 'inspect', '--format', '{{.Size}}', image], { what: 'podman image inspect' })).trim());
  log(`${image}: ${(size / 1e9).toFixed(2)} GB, built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

await main().catch((e: Error) => {
  console.error(`image: ${e.message}`);
  process.exit(1);
});
