import * as tf from '@tensorflow/tfjs';
import { hasKernel, type MaxPoolGradAttrs, NATIVE_MAX_POOL_GRAD } from './tensorflow-kernels.js';

let original: tf.GradConfig | undefined;

/**
 * Replaces max pooling's gradient (for every backend): oneDNN's where the active backend has it (see
 * tensorflow-kernels.ts), tfjs's MaxPoolGrad elsewhere and for the attributes oneDNN's op does not take (numeric
 * padding, a rounding mode). Same values: both pass each window's gradient to its first maximum in scan order.
 * Idempotent.
 */
export function registerMaxPoolGrad(): void {
  if (original !== undefined) return;
  const cfg = tf.getGradient('MaxPool');
  if (cfg === undefined) throw new Error('tfjs has no MaxPool gradient');
  original = { ...cfg };
  const fallback = original.gradFunc;
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const { pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs & { pad: unknown; dimRoundingMode?: string };
      if (!hasKernel(NATIVE_MAX_POOL_GRAD) || (pad !== 'same' && pad !== 'valid') || dimRoundingMode !== undefined) return fallback(dy, saved, attrs);
      const [x] = saved;
      return { x: () => tf.engine().runKernel(NATIVE_MAX_POOL_GRAD, { dy: dy as tf.Tensor, x: x! }, attrs) as tf.Tensor };
    },
  });
}
