import * as tf from '@tensorflow/tfjs';
import { hasKernel, NATIVE_BATCH_NORM, NATIVE_BATCH_NORM_GRAD } from './tensorflow-kernels.js';

export interface BatchNormTraining {
  y: tf.Tensor4D;
  /** The batch's per-channel mean and (biased, as tf.moments) variance, for moving averages. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Batch norm of NHWC `x` with its own batch statistics, through TensorFlow's fused op, or null where the active
 * backend lacks it. The gradient reaches x, scale and offset through y only: the returned statistics feed moving
 * averages, never the loss.
 */
export function nativeBatchNormTraining(
  x: tf.Tensor4D,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
): BatchNormTraining | null {
  if (!hasKernel(NATIVE_BATCH_NORM)) return null;
  registerGradient();
  const [y, mean, unbiased, ...reserve] = tf.engine().runKernel(NATIVE_BATCH_NORM, { x, scale, offset }, { epsilon }) as tf.Tensor[];
  tf.dispose(reserve);
  const n = x.size / x.shape[3];
  const variance = tf.mul(unbiased!, (n - 1) / n) as tf.Tensor1D;
  unbiased!.dispose();
  return { y: y as tf.Tensor4D, mean: mean as tf.Tensor1D, variance };
}

let registered = false;

function registerGradient(): void {
  if (registered) return;
  tf.registerGradient({
    kernelName: NATIVE_BATCH_NORM,
    inputsToSave: ['x', 'scale'],
    outputsToSave: [false, false, false, true, true, true],
    gradFunc: (dy, saved, attrs) => {
      const [x, scale, reserve1, reserve2, reserve3] = saved;
      const dyY = Array.isArray(dy) ? dy[0]! : dy;
      const [dx, dscale, doffset] = tf
        .engine()
        .runKernel(
          NATIVE_BATCH_NORM_GRAD,
          { dy: dyY, x: x!, scale: scale!, reserve1: reserve1!, reserve2: reserve2!, reserve3: reserve3! },
          attrs as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
      return { x: () => dx!, scale: () => dscale!, offset: () => doffset! };
    },
  });
  registered = true;
}
