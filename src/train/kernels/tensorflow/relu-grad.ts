import * as tf from '@tensorflow/tfjs';
import { replaceGradient } from './replace-gradient.js';
import { hasKernel, NATIVE_RELU_GRAD } from './tensorflow-kernels.js';

/**
 * Replaces ReLU's gradient (for every backend): TensorFlow's one-op ReluGrad where the active backend has it,
 * tfjs-core's dy * step(x) elsewhere. Same values: both pass dy where x > 0 and 0 elsewhere. Idempotent.
 */
export function registerReluGrad(): void {
  replaceGradient('Relu', (dy, [x]) => {
    if (!hasKernel(NATIVE_RELU_GRAD)) return null;
    return { x: () => tf.engine().runKernel(NATIVE_RELU_GRAD, { dy: dy as tf.Tensor, x: x! }) as tf.Tensor };
  });
}
