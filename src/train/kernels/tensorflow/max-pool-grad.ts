import * as tf from '@tensorflow/tfjs';
import { replaceGradient } from './replace-gradient.js';
import { hasKernel, NATIVE_MAX_POOL_GRAD } from './tensorflow-kernels.js';

/**
 * Replaces max pooling's gradient (for every backend): oneDNN's where the active backend has it (see
 * tensorflow-kernels.ts), tfjs's MaxPoolGrad elsewhere and for the attributes oneDNN's op does not take (numeric
 * padding, a rounding mode). Same values: both pass each window's gradient to its first maximum in scan order.
 * Idempotent.
 */
export function registerMaxPoolGrad(): void {
  replaceGradient('MaxPool', (dy, [x], attrs) => {
    const { pad, dimRoundingMode } = attrs as { pad?: unknown; dimRoundingMode?: unknown };
    if (!hasKernel(NATIVE_MAX_POOL_GRAD) || (pad !== 'same' && pad !== 'valid') || dimRoundingMode !== undefined) return null;
    return { x: () => tf.engine().runKernel(NATIVE_MAX_POOL_GRAD, { dy: dy as tf.Tensor, x: x! }, attrs) as tf.Tensor };
  });
}
