import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError, run } from '../run-command.js';
import { CUDA_REQUIREMENTS_FILE, cudaLibraries } from './cuda-libraries.js';
import { findPip, pipDownload, StepError, type Pip } from './pip.js';
import { BINDING_PATCH, patchBinding } from './thread-safe-binding.js';
import { TENSORFLOW_VERSION, VARIANTS, type Variant, type VariantName } from './variants.js';

/**
 * tfjs-node's native backend built against the C library in PyPI's TensorFlow wheels (variants.ts): tfjs-node's own
 * install downloads libtensorflow and a prebuilt addon from hosts that are not package registries, so it fails here
 * and npm drops the optional package. The wheels ship the same C API (every TF_/TFE_ function the binding calls), so
 * the addon builds from source against it (README, "Backend").
 */

/** The libtensorflow version tfjs-node's install script looks for in deps/lib before it would download. */
const TFJS_LIBTENSORFLOW_VERSION = '2.9.1';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface SetupOptions {
  /** `cpu` (default): tfjs-node on tensorflow-cpu; `gpu`: tfjs-node-gpu on tensorflow and the CUDA 12 wheels. */
  readonly variant?: VariantName;
  /** The project whose node_modules gets the backend. */
  readonly repo?: string;
  /** Where the wheels' libraries are kept between runs (one folder per wheel and version). */
  readonly cache?: string;
  /** Look for the wheels only in this folder (pip --no-index --find-links), not in the package index. */
  readonly wheels?: string;
  readonly version?: string;
  readonly log?: (line: string) => void;
}

export type SetupResult = { ok: true; detail: string } | { ok: false; reason: string };

function defaultCache(): string {
  return process.env.NASMESH_TENSORFLOW_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nasmesh');
}

/**
 * Makes `tf.getBackend() === 'tensorflow'` work with the variant's npm package in `repo`: wheel (pip, cached), the
 * npm package without its install script, deps/{lib,include} (and deps/nvidia for the GPU) from the wheels, the addon
 * rebuilt with node-gyp against Node's installed headers, then a check in a fresh process. Never throws: a failed
 * step leaves the project as npm left it (wasm) and the result says why.
 */
export async function setupTensorflow(opts: SetupOptions = {}): Promise<SetupResult> {
  const repo = opts.repo ?? REPO;
  const variant = VARIANTS[opts.variant ?? 'cpu'];
  const version = opts.version ?? TENSORFLOW_VERSION;
  const release = `${variant.wheel} ${version}`;
  const log = opts.log ?? ((line: string) => console.log(line));
  const pkg = packageDir(repo, variant);
  const marker = join(pkg, 'deps', '.nasmesh-tensorflow');
  const timed = async <T>(what: string, fn: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    log(`${variant.wheel}: ${what}`);
    const out = await fn();
    log(`${variant.wheel}: ${what}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return out;
  };
  let installedHere = false;
  try {
    // No marker: the package's own install worked (its download was reachable); kept as it is, though its prebuilt
    // addon lacks the thread-safety patch (thread-safe-binding.ts). A marker of another release or without the
    // patch: rebuilt.
    const built = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
    const wanted = `${release} ${BINDING_PATCH}`;
    if (existsSync(pkg) && (built === undefined || built === wanted) && (await checkBackend(repo, variant)) === null) {
      return { ok: true, detail: `already set up (${built ? release : "the package's own libtensorflow"})` };
    }
    const pip = await findPip();
    const stepLog = (line: string) => log(`${variant.wheel}: ${line}`);
    const libs = await timed(`libraries of ${release}`, () =>
      wheelLibraries(opts.cache ?? defaultCache(), variant, version, pip, opts.wheels, stepLog),
    );
    const cuda = variant.cuda
      ? await timed('the CUDA 12 runtime libraries', () => cudaLibraries(libs, pip, opts.wheels, stepLog))
      : undefined;
    if (!existsSync(pkg)) {
      await timed(`${variant.npmPackage} from npm, without its install script`, () => installPackage(repo, variant));
      installedHere = true;
    }
    layOutDeps(pkg, libs, cuda);
    try {
      patchBinding(pkg);
    } catch (err) {
      throw new StepError((err as Error).message);
    }
    await timed(`building the ${variant.npmPackage} addon from source (node-gyp)`, () => buildAddon(repo, pkg));
    writeFileSync(marker, `${wanted}\n`);
    const why = await checkBackend(repo, variant);
    if (why !== null) throw new StepError(`the rebuilt addon does not load: ${why}`);
    return { ok: true, detail: `tf.getBackend() is 'tensorflow' (${release})` };
  } catch (err) {
    // Leave node_modules as npm left it: a package without a working addon would only make `auto` log a load error.
    if (installedHere) rmSync(pkg, { recursive: true, force: true });
    return {
      ok: false,
      reason: err instanceof StepError || err instanceof CommandError ? err.message : String((err as Error).message ?? err).split('\n')[0]!,
    };
  }
}

function packageDir(repo: string, variant: Variant): string {
  return join(repo, 'node_modules', ...variant.npmPackage.split('/'));
}

/**
 * The wheel's two shared libraries and C headers (and, for the GPU wheel, the and-cuda extra's requirements),
 * extracted once into `<cache>/<wheel>-<version>/` (the wheel itself, 274 MB for the CPU and 572 MB for the GPU, is
 * deleted after extraction). Built in a temporary folder and renamed, so an interrupted run is never taken for a
 * finished one.
 */
async function wheelLibraries(
  cache: string,
  variant: Variant,
  version: string,
  pip: Pip,
  wheels: string | undefined,
  log: (line: string) => void,
): Promise<string> {
  const target = join(cache, `${variant.wheel}-${version}`);
  if (existsSync(join(target, 'lib')) && existsSync(join(target, 'include'))) {
    log(`cached in ${target}`);
    return target;
  }
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    const requirement = `${variant.wheel}==${version}`;
    log(`pip download ${requirement} (once per machine)`);
    await pipDownload(pip, [requirement], partial, wheels, requirement);
    const wheel = readdirSync(partial).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new StepError(`pip download ${requirement} left no wheel in ${partial}`);
    log(`extracting the libraries and C headers from ${wheel}`);
    await run(pip[0]!, ['-c', EXTRACT, join(partial, wheel), partial, CUDA_REQUIREMENTS_FILE], { what: `extracting ${wheel}` });
    rmSync(join(partial, wheel));
    renameSync(partial, target);
    return target;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * Python (the interpreter pip runs in; unzip may be absent) extracting what the binding needs: the C API's headers,
 * the ctstring shims they include, tsl's status header, and libtensorflow_cc / libtensorflow_framework; and the
 * requirements of the wheel's `and-cuda` extra, which only the GPU wheel has, into the file named third.
 */
const EXTRACT = `
import sys, zipfile, os, shutil
wheel, out, cuda_requirements = sys.argv[1], sys.argv[2], sys.argv[3]
prefixes = ('tensorflow/include/tensorflow/c/', 'tensorflow/include/tensorflow/core/platform/ctstring',
            'tensorflow/include/tsl/platform/ctstring', 'tensorflow/include/xla/tsl/c/')
libs = ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name.endswith('.dist-info/METADATA'):
            extra = [line.split(':', 1)[1].split(';')[0].strip() for line in z.read(info).decode().splitlines()
                     if line.startswith('Requires-Dist:') and 'extra == "and-cuda"' in line]
            with open(os.path.join(out, cuda_requirements), 'w') as f:
                f.write(''.join(r + '\\n' for r in extra))
            continue
        if name.endswith('/'):
            continue
        if name in libs:
            dest = os.path.join(out, 'lib', os.path.basename(name))
        elif name.startswith(prefixes):
            dest = os.path.join(out, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
missing = [l for l in libs if not os.path.exists(os.path.join(out, 'lib', os.path.basename(l)))]
if missing:
    sys.exit('the wheel lacks ' + ', '.join(missing))
`;

/**
 * `npm install --no-save --ignore-scripts` of the locked package: its dependencies come too, package.json and the
 * lock stay as they are. npm also restores the other optional native package, script-less; where `npm ci` had
 * dropped it, it is dropped again, or `auto` would try a package that has no addon.
 */
async function installPackage(repo: string, variant: Variant): Promise<void> {
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${variant.npmPackage}`]?.version;
  if (!version) throw new StepError(`package-lock.json does not pin ${variant.npmPackage}`);
  const others = Object.values(VARIANTS)
    .filter((v) => v !== variant)
    .map((v) => packageDir(repo, v))
    .filter((dir) => !existsSync(dir));
  await run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${variant.npmPackage}@${version}`], {
    cwd: repo,
    what: `npm install ${variant.npmPackage}@${version}`,
  });
  for (const dir of others) rmSync(dir, { recursive: true, force: true });
}

/**
 * deps/lib and deps/include as binding.gyp and scripts/install.js expect them: libtensorflow.so (the TF_* and TFE_*
 * functions, in libtensorflow_cc), libtensorflow_framework.so, and libtensorflow.so.2.9.1, whose presence tells the
 * install script not to download; for the GPU, deps/nvidia, where libtensorflow's RUNPATH looks for CUDA. The
 * libraries are hard links into the cache where it is on the same file system.
 */
function layOutDeps(pkg: string, libs: string, cuda: string | undefined): void {
  const deps = join(pkg, 'deps');
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(join(deps, 'lib'), { recursive: true });
  for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) linkOrCopy(join(libs, 'lib', lib), join(deps, 'lib', lib));
  symlinkSync('libtensorflow_cc.so.2', join(deps, 'lib', 'libtensorflow.so'));
  symlinkSync('libtensorflow_framework.so.2', join(deps, 'lib', 'libtensorflow_framework.so'));
  symlinkSync('libtensorflow_cc.so.2', join(deps, 'lib', `libtensorflow.so.${TFJS_LIBTENSORFLOW_VERSION}`));
  cpSync(join(libs, 'include'), join(deps, 'include'), { recursive: true });
  if (cuda) linkTree(cuda, join(deps, 'nvidia'));
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** `from`'s tree at `to`: folders made, symbolic links kept as links, files hard-linked where possible. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const [src, dest] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) linkTree(src, dest);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dest);
    else linkOrCopy(src, dest);
  }
}

/**
 * Rebuilds the addon from source against Node's installed headers (node-gyp must not download any), with node-pre-gyp
 * as the packages' install scripts call it: tfjs-node-gpu's script would download libtensorflow first whatever deps/
 * holds.
 */
async function buildAddon(repo: string, pkg: string): Promise<void> {
  const nodedir = process.env.npm_config_nodedir ?? '/usr';
  if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) {
    throw new StepError(`Node's C headers are not in ${nodedir}/include/node (set npm_config_nodedir to Node's prefix)`);
  }
  const nodePreGyp = join(repo, 'node_modules', '@mapbox', 'node-pre-gyp', 'bin', 'node-pre-gyp');
  await run(process.execPath, [nodePreGyp, 'install', '--build-from-source'], {
    cwd: pkg,
    env: { npm_config_nodedir: nodedir, npm_config_build_from_source: 'true' },
    what: `node-pre-gyp install --build-from-source in ${pkg}`,
  });
}

/**
 * null when a fresh Node process gets the `tensorflow` backend from the variant's package in `repo`, else why not.
 * A GPU package loads on a host without a GPU too: TensorFlow then runs its CPU kernels.
 */
async function checkBackend(repo: string, variant: Variant): Promise<string | null> {
  const script = `const tf = require('${variant.npmPackage}'); tf.tensor([1, 2]).square().dataSync(); console.log('backend=' + tf.getBackend());`;
  try {
    const out = await run(process.execPath, ['-e', script], {
      cwd: repo,
      env: { TF_CPP_MIN_LOG_LEVEL: '2' },
      what: `loading ${variant.npmPackage}`,
    });
    return out.includes('backend=tensorflow') ? null : `${variant.npmPackage} loaded but ${out.trim().split('\n').pop() ?? ''}`;
  } catch (err) {
    return (err as Error).message;
  }
}
