import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../train/backend/register.js';

export const BACKENDS = ['wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/**
 * Selects the tfjs backend once per process (or worker thread). wasm is the default: on the small matrices of a
 * controller it runs about 10x faster than the pure-JS `cpu` backend here.
 */
export async function initBackend(preferred: BackendName = 'wasm'): Promise<BackendName> {
  // Production mode drops tfjs's console banner about tfjs-node and its debug-only checks.
  tf.enableProdMode();
  const order = preferred === 'wasm' ? BACKENDS : (['cpu'] as const);
  for (const name of order) {
    if (tf.getBackend() === name) {
      if (name === 'wasm') registerWasmTrainingKernels();
      return name;
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        // The wasm backend lacks (or has slow) convolution-gradient kernels; nasmesh supplies its own.
        if (name === 'wasm') registerWasmTrainingKernels();
        return name;
      }
    } catch {
      // fall through to the next backend
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised (tried ${order.join(', ')})`);
}

export { tf };
