import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError, run } from '../run-command.js';
import { BINDING_PATCH, patchBinding } from './thread-safe-binding.js';

/**
 * tfjs-node's native backend built against the C library in PyPI's tensorflow-cpu wheel: tfjs-node's own install
 * downloads libtensorflow and a prebuilt addon from hosts that are not package registries, so it fails here and npm
 * drops the optional package. The wheel ships the same C API (every TF_/TFE_ function the binding calls), so the
 * addon builds from source against it (README, "Backend").
 */

/** The tensorflow-cpu release whose libraries and headers back the addon. */
export const TENSORFLOW_CPU_VERSION = '2.21.0';
/** The libtensorflow version tfjs-node's install script looks for in deps/lib before it would download. */
const TFJS_LIBTENSORFLOW_VERSION = '2.9.1';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface SetupOptions {
  /** The project whose node_modules gets the backend. */
  readonly repo?: string;
  /** Where the wheel's libraries are kept between runs (one folder per version). */
  readonly cache?: string;
  /** Look for the wheel only in this folder (pip --no-index --find-links), not in the package index. */
  readonly wheels?: string;
  readonly version?: string;
  readonly log?: (line: string) => void;
}

export type SetupResult = { ok: true; detail: string } | { ok: false; reason: string };

/** A step's failure, with the one line that says why. */
class StepError extends Error {}

function defaultCache(): string {
  return process.env.NASMESH_TENSORFLOW_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'nasmesh');
}

/**
 * Makes `tf.getBackend() === 'tensorflow'` work with @tensorflow/tfjs-node in `repo`: wheel (pip, cached), the npm
 * package without its install script, deps/{lib,include} from the wheel, the addon rebuilt with node-gyp against
 * Node's installed headers, then a check in a fresh process. Never throws: a failed step leaves the project as npm
 * left it (wasm) and the result says why.
 */
export async function setupTensorflowCpu(opts: SetupOptions = {}): Promise<SetupResult> {
  const repo = opts.repo ?? REPO;
  const version = opts.version ?? TENSORFLOW_CPU_VERSION;
  const log = opts.log ?? ((line: string) => console.log(line));
  const pkg = join(repo, 'node_modules', '@tensorflow', 'tfjs-node');
  const marker = join(pkg, 'deps', '.nasmesh-tensorflow-cpu');
  const timed = async <T>(what: string, fn: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    log(`tensorflow-cpu: ${what}`);
    const out = await fn();
    log(`tensorflow-cpu: ${what}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return out;
  };
  let installedHere = false;
  try {
    // No marker: tfjs-node's own install worked (its download was reachable); kept as it is, though its prebuilt
    // addon lacks the thread-safety patch (thread-safe-binding.ts). A marker of another version or without the
    // patch: rebuilt.
    const built = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
    const wanted = `${version} ${BINDING_PATCH}`;
    if (existsSync(pkg) && (built === undefined || built === wanted) && (await checkBackend(repo)) === null) {
      return { ok: true, detail: `already set up (${built ? `tensorflow-cpu ${version}` : "tfjs-node's own libtensorflow"})` };
    }
    const libs = await timed(`libraries of tensorflow-cpu ${version}`, () =>
      wheelLibraries(opts.cache ?? defaultCache(), version, opts.wheels, log),
    );
    if (!existsSync(pkg)) {
      await timed('@tensorflow/tfjs-node from npm, without its install script', () => installPackage(repo));
      installedHere = true;
    }
    layOutDeps(pkg, libs);
    try {
      patchBinding(pkg);
    } catch (err) {
      throw new StepError((err as Error).message);
    }
    await timed('building the tfjs-node addon from source (node-gyp)', () => buildAddon(repo));
    writeFileSync(marker, `${wanted}\n`);
    const why = await checkBackend(repo);
    if (why !== null) throw new StepError(`the rebuilt addon does not load: ${why}`);
    return { ok: true, detail: `tf.getBackend() is 'tensorflow' (tensorflow-cpu ${version})` };
  } catch (err) {
    // Leave node_modules as npm left it: a package without a working addon would only make `auto` log a load error.
    if (installedHere) rmSync(pkg, { recursive: true, force: true });
    return {
      ok: false,
      reason: err instanceof StepError || err instanceof CommandError ? err.message : String((err as Error).message ?? err).split('\n')[0]!,
    };
  }
}

/**
 * The wheel's two shared libraries and C headers, extracted once into `<cache>/tensorflow-cpu-<version>/` (the wheel
 * itself, 274 MB, is deleted after extraction). Built in a temporary folder and renamed, so an interrupted run is
 * never taken for a finished one.
 */
async function wheelLibraries(cache: string, version: string, wheels: string | undefined, log: (line: string) => void): Promise<string> {
  const target = join(cache, `tensorflow-cpu-${version}`);
  if (existsSync(join(target, 'lib')) && existsSync(join(target, 'include'))) {
    log(`tensorflow-cpu: cached in ${target}`);
    return target;
  }
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    const pip = await findPip();
    const source = wheels ? ['--no-index', '--find-links', wheels] : [];
    log(`tensorflow-cpu: pip download tensorflow-cpu==${version} (about 274 MB, once per machine)`);
    await run(
      pip[0]!,
      [
        ...pip.slice(1),
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        ...source,
        '-d',
        partial,
        `tensorflow-cpu==${version}`,
      ],
      {
        what: `pip download tensorflow-cpu==${version}`,
      },
    );
    const wheel = readdirSync(partial).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new StepError(`pip download tensorflow-cpu==${version} left no wheel in ${partial}`);
    log(`tensorflow-cpu: extracting the libraries and C headers from ${wheel}`);
    await run(pip[0]!, ['-c', EXTRACT, join(partial, wheel), partial], { what: `extracting ${wheel}` });
    rmSync(join(partial, wheel));
    renameSync(partial, target);
    return target;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * Python (the interpreter pip runs in; unzip may be absent) extracting what the binding needs: the C API's headers,
 * the ctstring shims they include, tsl's status header, and libtensorflow_cc / libtensorflow_framework.
 */
const EXTRACT = `
import sys, zipfile, os, shutil
wheel, out = sys.argv[1], sys.argv[2]
prefixes = ('tensorflow/include/tensorflow/c/', 'tensorflow/include/tensorflow/core/platform/ctstring',
            'tensorflow/include/tsl/platform/ctstring', 'tensorflow/include/xla/tsl/c/')
libs = ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
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

/** python3 -m pip, checked to run (the extraction script then runs in the same interpreter). */
async function findPip(): Promise<string[]> {
  const pip = ['python3', '-m', 'pip'];
  try {
    await run(pip[0]!, [...pip.slice(1), '--version'], { what: pip.join(' ') });
  } catch (err) {
    throw new StepError(`${(err as Error).message} (install python3 and python3-pip)`);
  }
  return pip;
}

/**
 * `npm install --no-save --ignore-scripts` of the locked tfjs-node: its dependencies come too, package.json and the
 * lock stay as they are. npm also restores the other optional native package (tfjs-node-gpu), script-less; where
 * `npm ci` had dropped it, it is dropped again, or `auto` would try a GPU package that has no addon.
 */
async function installPackage(repo: string): Promise<void> {
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages['node_modules/@tensorflow/tfjs-node']?.version;
  if (!version) throw new StepError('package-lock.json does not pin @tensorflow/tfjs-node');
  const gpu = join(repo, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
  const hadGpu = existsSync(gpu);
  await run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `@tensorflow/tfjs-node@${version}`], {
    cwd: repo,
    what: `npm install @tensorflow/tfjs-node@${version}`,
  });
  if (!hadGpu) rmSync(gpu, { recursive: true, force: true });
}

/**
 * deps/lib and deps/include as binding.gyp and scripts/install.js expect them: libtensorflow.so (the TF_* and TFE_*
 * functions, in libtensorflow_cc), libtensorflow_framework.so, and libtensorflow.so.2.9.1, whose presence tells the
 * install script not to download. The libraries are hard links into the cache where it is on the same file system.
 */
function layOutDeps(pkg: string, libs: string): void {
  const deps = join(pkg, 'deps');
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(join(deps, 'lib'), { recursive: true });
  for (const lib of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    const from = join(libs, 'lib', lib);
    const to = join(deps, 'lib', lib);
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  }
  symlinkSync('libtensorflow_cc.so.2', join(deps, 'lib', 'libtensorflow.so'));
  symlinkSync('libtensorflow_framework.so.2', join(deps, 'lib', 'libtensorflow_framework.so'));
  symlinkSync('libtensorflow_cc.so.2', join(deps, 'lib', `libtensorflow.so.${TFJS_LIBTENSORFLOW_VERSION}`));
  cpSync(join(libs, 'include'), join(deps, 'include'), { recursive: true });
}

/** Rebuilds the addon from source against Node's installed headers (node-gyp must not download any). */
async function buildAddon(repo: string): Promise<void> {
  const nodedir = process.env.npm_config_nodedir ?? '/usr';
  if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) {
    throw new StepError(`Node's C headers are not in ${nodedir}/include/node (set npm_config_nodedir to Node's prefix)`);
  }
  await run('npm', ['rebuild', '@tensorflow/tfjs-node', '--build-from-source', '--foreground-scripts'], {
    cwd: repo,
    env: { npm_config_nodedir: nodedir, npm_config_build_from_source: 'true' },
    what: 'npm rebuild @tensorflow/tfjs-node --build-from-source',
  });
}

/** null when a fresh Node process gets the `tensorflow` backend from tfjs-node in `repo`, else why not. */
async function checkBackend(repo: string): Promise<string | null> {
  const script = `const tf = require('@tensorflow/tfjs-node'); tf.tensor([1, 2]).square().dataSync(); console.log('backend=' + tf.getBackend());`;
  try {
    const out = await run(process.execPath, ['-e', script], {
      cwd: repo,
      env: { TF_CPP_MIN_LOG_LEVEL: '2' },
      what: 'loading @tensorflow/tfjs-node',
    });
    return out.includes('backend=tensorflow') ? null : `tfjs-node loaded but ${out.trim().split('\n').pop() ?? ''}`;
  } catch (err) {
    return (err as Error).message;
  }
}
