import * as tf from '@tensorflow/tfjs';

type GradFunc = tf.GradConfig['gradFunc'];

/**
 * Column sums of t viewed as [rows, c]: a [1, rows] x [rows, c] matMul, which the wasm backend runs far faster than
 * Sum over the leading axes (that one transposes first).
 */
function channelSum(t: tf.Tensor, c: number): tf.Tensor1D {
  const rows = t.size / c;
  return tf.reshape(tf.matMul(tf.ones([1, rows]), tf.reshape(t, [rows, c])), [c]);
}

/**
 * Gradient of FusedBatchNorm, equal to tfjs-core's but without its Tile: with r = rsqrt(variance + eps), s = scale
 * and xm = x - mean (per-channel vectors broadcast over NHWC x),
 *   dx = dy * (r s),  dmean = -r s sum(dy),  dvariance = -r^3 s sum(dy xm) / 2,  dscale = r sum(dy xm),
 *   doffset = sum(dy),
 * so only three full-size elementwise ops (x - mean, dy * xm, dy * rs) and two reductions are run, the latter
 * shared between the partials. Per-channel (rank-1) statistics only; other cases go to `fallback`.
 */
export function makeFusedBatchNormGrad(fallback: GradFunc): GradFunc {
  return (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    if (x === undefined || mean === undefined || variance === undefined) return fallback(dy, saved, attrs);
    const c = x.shape[x.rank - 1];
    const perChannel = (t: tf.Tensor | undefined | null) => t == null || (t.rank === 1 && t.shape[0] === c);
    if (c === undefined || mean.rank !== 1 || !perChannel(mean) || !perChannel(variance) || !perChannel(scale)) {
      return fallback(dy, saved, attrs);
    }
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const r = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const rs = scale == null ? r : tf.mul(r, scale);
    let sumDy: tf.Tensor1D | undefined;
    let sumDyXm: tf.Tensor1D | undefined;
    const getSumDy = () => (sumDy ??= channelSum(dy, c));
    const getSumDyXm = () => (sumDyXm ??= channelSum(tf.mul(dy, tf.sub(x, mean)), c));
    return {
      x: () => tf.mul(dy, rs),
      mean: () => tf.neg(tf.mul(rs, getSumDy())),
      variance: () => tf.mul(tf.mul(tf.mul(tf.mul(r, r), rs), tf.scalar(-0.5)), getSumDyXm()),
      scale: () => tf.mul(r, getSumDyXm()),
      offset: () => getSumDy(),
    };
  };
}

let original: tf.GradConfig | undefined;

/** tfjs-core's FusedBatchNorm gradient, as registered before ours replaced it. */
export function originalFusedBatchNormGrad(): tf.GradConfig {
  if (original === undefined) {
    const cfg = tf.getGradient('FusedBatchNorm');
    if (cfg === undefined) throw new Error('tfjs has no FusedBatchNorm gradient');
    original = { ...cfg };
  }
  return original;
}

/** Replaces the FusedBatchNorm gradient (for all backends) with the tile-free one. Idempotent. */
export function registerFusedBatchNormGrad(): void {
  const orig = originalFusedBatchNormGrad();
  tf.registerGradient({ ...orig, gradFunc: makeFusedBatchNormGrad(orig.gradFunc) });
}
