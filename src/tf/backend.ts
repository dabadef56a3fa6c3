import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../train/kernels/wasm/register.js';
import { registerMaxPoolGrad } from '../train/kernels/tensorflow/max-pool-grad.js';
import { registerReluGrad } from '../train/kernels/tensorflow/relu-grad.js';
import { registerTensorflowKernels } from '../train/kernels/tensorflow/tensorflow-kernels.js';

/** Resolved backends: `tensorflow` is libtensorflow through @tensorflow/tfjs-node(-gpu). */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
/** What a user may ask for: `auto` takes the first that loads of tfjs-node-gpu, tfjs-node, wasm, cpu. */
export const BACKEND_CHOICES = ['auto', ...BACKENDS] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Optional dependencies: production GPU images install them; where their install failed they are simply absent. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export interface BackendSelection {
  backend: BackendName;
  /** The package that provided `tensorflow`, when it was chosen. */
  package?: string;
  /**
   * tfjs-node-gpu only: whether TensorFlow found a GPU. Without one (no device, or no driver's libcuda.so.1) the GPU
   * package runs TensorFlow's CPU kernels.
   */
  gpu?: boolean;
  /** Why each backend tried before the chosen one was passed over. */
  skipped: string[];
}

let selection: BackendSelection | undefined;

/**
 * Sets TensorFlow's environment before libtensorflow first reads it, keeping whatever the user set:
 * TF_NUM_INTRAOP_THREADS (default 1: nasmesh trains one network per worker thread, one thread per core, so each op
 * runs in the thread that issued it rather than contending for a shared pool), TF_NUM_INTEROP_THREADS 1 (tfjs-node
 * runs ops one at a time, synchronously), TF_ENABLE_ONEDNN_OPTS 1 (TensorFlow turns oneDNN on by itself only on CPUs
 * with AVX-512's neural-network extensions or AMX; on an AVX2 EPYC child networks train 1.5-2.1x as fast with it, and
 * its depthwise kernel is the only CPU one that takes dilations), TF_CPP_MIN_LOG_LEVEL 2 (hides its info and warning
 * lines; the one oneDNN line it logs while loading comes before that applies). `threads` sets the intra-op pool's
 * size, which the whole process shares and TensorFlow fixes when its first context starts. Only the main thread's
 * settings reach libtensorflow (a worker thread's process.env is a copy), so entry points call this, or initBackend,
 * before starting workers.
 */
export function configureTensorflow(threads?: number): void {
  const env = process.env;
  if (threads !== undefined) env.TF_NUM_INTRAOP_THREADS = String(threads);
  env.TF_NUM_INTRAOP_THREADS ??= '1';
  env.TF_NUM_INTEROP_THREADS ??= '1';
  env.TF_ENABLE_ONEDNN_OPTS ??= '1';
  env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}

/**
 * Selects the tfjs backend once per process (or worker thread) and remembers why (see `describeBackend`). The
 * wasm backend gets nasmesh's training kernels; it runs the controller's small matrices about 10x faster than the
 * pure-JS `cpu` backend here.
 */
export async function initBackend(preferred: BackendChoice = 'auto'): Promise<BackendName> {
  // Production mode drops tfjs's console banner about tfjs-node and its debug-only checks.
  tf.enableProdMode();
  configureTensorflow();
  const order: readonly BackendName[] = preferred === 'auto' ? BACKENDS : preferred === 'wasm' ? ['wasm', 'cpu'] : [preferred];
  const skipped: string[] = [];
  for (const name of order) {
    const why = await tryBackend(name);
    if (typeof why !== 'string') {
      selection = { backend: name, ...(why.package ? { package: why.package } : {}), ...gpuFound(why.package), skipped };
      return name;
    }
    skipped.push(`${name}: ${why}`);
  }
  throw new Error(`no TensorFlow.js backend could be initialised (${skipped.join('; ')})`);
}

/** Whether tfjs-node-gpu's TensorFlow placed its ops on a GPU; nothing for the other packages. */
function gpuFound(pkg: string | undefined): { gpu?: boolean } {
  if (pkg !== '@tensorflow/tfjs-node-gpu') return {};
  return { gpu: (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true };
}

/** What initBackend chose and why; undefined before it ran in this process (or worker thread). */
export function backendSelection(): Readonly<BackendSelection> | undefined {
  return selection;
}

/**
 * Whether tensors live in host memory, so that reading one into JavaScript is a copy and not a transfer from a device
 * that waits for its queue: true unless `tensorflow` came from tfjs-node-gpu.
 */
export function tensorsInHostMemory(): boolean {
  return selection?.package !== '@tensorflow/tfjs-node-gpu';
}

/** E.g. "1 intra-op thread", "2 intra-op threads": the log line's and report.html's words for TensorFlow's pool. */
export function intraOpThreadsText(threads: number): string {
  return `${threads} intra-op thread${threads === 1 ? '' : 's'}`;
}

/** One line for logs: the backend in use and why the preferred ones were not. */
export function describeBackend(): string {
  if (!selection) return `tfjs backend ${tf.getBackend()}`;
  const threads = selection.backend === 'tensorflow' ? `, ${intraOpThreadsText(Number(process.env.TF_NUM_INTRAOP_THREADS))}` : '';
  const gpu = selection.gpu === undefined ? '' : selection.gpu ? ', GPU found' : ", no GPU found (TensorFlow's CPU kernels)";
  const via = selection.package ? ` via ${selection.package}${gpu}${threads}` : '';
  const skipped = selection.skipped.length > 0 ? ` (skipped ${selection.skipped.join('; ')})` : '';
  return `tfjs backend ${selection.backend}${via}${skipped}`;
}

/** Activates `name`; returns what provided it, or why it could not be used. */
async function tryBackend(name: BackendName): Promise<{ package?: string } | string> {
  let provider: string | undefined;
  if (name === 'tensorflow') {
    if (tf.findBackend('tensorflow') === null) {
      const reasons: string[] = [];
      for (const pkg of NATIVE_PACKAGES) {
        try {
          await import(pkg);
          provider = pkg;
          break;
        } catch (err) {
          const code = (err as { code?: string }).code;
          reasons.push(
            `${pkg} ${code === 'ERR_MODULE_NOT_FOUND' ? 'not installed' : `failed to load: ${(err as Error).message.split('\n')[0]}`}`,
          );
        }
      }
      if (!provider) return reasons.join(', ');
    }
  }
  try {
    if (tf.getBackend() !== name && !(await tf.setBackend(name))) return 'failed to initialise';
    await tf.ready();
  } catch (err) {
    return (err as Error).message;
  }
  // The wasm backend lacks (or has slow) convolution-gradient kernels; nasmesh supplies its own. On tensorflow,
  // single TensorFlow ops replace tfjs's composed ReLU and batch-norm gradients, and oneDNN's max-pool gradient
  // TensorFlow's own.
  if (name === 'wasm') registerWasmTrainingKernels();
  if (name === 'tensorflow') registerTensorflowKernels();
  registerReluGrad();
  registerMaxPoolGrad();
  return provider ? { package: provider } : {};
}

export { tf };
