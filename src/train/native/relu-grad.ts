import * as tf from '@tensorflow/tfjs';
import { hasKernel, NATIVE_RELU_GRAD } from './tensorflow-kernels.js';

let original: tf.GradConfig | undefined;

/**
 * Replaces ReLU's gradient (for every backend): TensorFlow's one-op ReluGrad where the active backend has it,
 * tfjs-core's dy * step(x) elsewhere. Same values: both pass dy where x > 0 and 0 elsewhere. Idempotent.
 */
export function registerReluGrad(): void {
  if (original !== undefined) return;
  const cfg = tf.getGradient('Relu');
  if (cfg === undefined) throw new Error('tfjs has no Relu gradient');
  original = { ...cfg };
  const fallback = original.gradFunc;
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      if (!hasKernel(NATIVE_RELU_GRAD)) return fallback(dy, saved, attrs);
      const [x] = saved;
      return { x: () => tf.engine().runKernel(NATIVE_RELU_GRAD, { dy: dy as tf.Tensor, x: x! }) as tf.Tensor };
    },
  });
}
