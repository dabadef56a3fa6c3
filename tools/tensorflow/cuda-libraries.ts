import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../run-command.js';
import { pipDownload, type Pip } from './pip.js';

/**
 * The CUDA 12 runtime for the GPU backend, from PyPI: the `nvidia-*-cu12` wheels that the tensorflow wheel's
 * `and-cuda` extra names (cuDNN, cuBLAS, cuFFT, cuSPARSE, cuSOLVER, NCCL, ...), with the versions pip resolves within
 * that extra's ranges. libtensorflow finds them without LD_LIBRARY_PATH: its RUNPATH holds `$ORIGIN/../nvidia/<name>/lib`,
 * so they are laid out as `deps/nvidia/` beside the addon's `deps/lib/`. Only the GPU driver (libcuda.so.1) comes
 * from the host; where there is none, TensorFlow runs its CPU kernels.
 */

/** The file the wheel extraction writes: the `and-cuda` extra's requirements, one per line. */
export const CUDA_REQUIREMENTS_FILE = 'and-cuda.txt';

/**
 * `<libs>/nvidia/`, extracted once from the wheels `<libs>/and-cuda.txt` names (each wheel's `nvidia/<name>/` without
 * its C headers, which nothing here compiles against; the wheels themselves are deleted). Built in a temporary folder
 * and renamed, so an interrupted run is never taken for a finished one.
 */
export async function cudaLibraries(libs: string, pip: Pip, wheels: string | undefined, log: (line: string) => void): Promise<string> {
  const target = join(libs, 'nvidia');
  if (existsSync(target)) return target;
  const requirements = readFileSync(join(libs, CUDA_REQUIREMENTS_FILE), 'utf8').split('\n').filter(Boolean);
  if (requirements.length === 0)
    throw new Error(`the tensorflow wheel's and-cuda extra names no packages (${libs}/${CUDA_REQUIREMENTS_FILE})`);
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    log(`pip download of the CUDA 12 runtime wheels (about 2.3 GB, once per machine): ${requirements.join(' ')}`);
    await pipDownload(pip, requirements, partial, wheels, 'the and-cuda wheels');
    const downloaded = readdirSync(partial).filter((f) => f.endsWith('.whl'));
    log(`extracting ${downloaded.join(', ')}`);
    await run(pip[0]!, ['-c', EXTRACT_CUDA, partial, ...downloaded], { what: 'extracting the CUDA wheels' });
    for (const wheel of downloaded) rmSync(join(partial, wheel));
    renameSync(join(partial, 'nvidia'), target);
    return target;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/** Python: every wheel's `nvidia/` tree into `<folder>/nvidia`, less `include/` folders. */
const EXTRACT_CUDA = `
import sys, zipfile, os, shutil, stat
folder, wheels = sys.argv[1], sys.argv[2:]
for wheel in wheels:
    with zipfile.ZipFile(os.path.join(folder, wheel)) as z:
        for info in z.infolist():
            parts = info.filename.split('/')
            if parts[0] != 'nvidia' or info.filename.endswith('/') or 'include' in parts[2:3] or parts[-1] == '__init__.py':
                continue
            dest = os.path.join(folder, info.filename)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with z.open(info) as src, open(dest, 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            mode = info.external_attr >> 16
            if mode & stat.S_IXUSR:
                os.chmod(dest, 0o755)
if not os.path.isdir(os.path.join(folder, 'nvidia')):
    sys.exit('the CUDA wheels hold no nvidia/ folder')
`;
