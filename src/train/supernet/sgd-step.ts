import { tf } from '../../tf/backend.js';

/** ENAS's shared-weight SGD: (Nesterov) momentum and weight decay, on an already clipped gradient. */
export interface SgdSettings {
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

/**
 * One SGD step of one weight as tensor ops, for weights on a GPU (where reading them into JavaScript would wait for
 * the device); the new weight, and the new momentum buffer (`undefined` without momentum). Call inside tf.tidy.
 *
 *   d = g·scale + w·decay;  m = m·μ + d (m = d at first);  w = w − (nesterov ? d + m·μ : m)·lr
 */
export function sgdStepTensors(
  weight: tf.Tensor,
  grad: tf.Tensor,
  previousMomentum: tf.Tensor | undefined,
  scale: tf.Scalar,
  settings: SgdSettings,
): { weight: tf.Tensor; momentum: tf.Tensor | undefined } {
  const { learningRate: lr, momentum: mu, nesterov, weightDecay } = settings;
  let d = tf.mul(grad, scale);
  if (weightDecay > 0) d = tf.add(d, tf.mul(weight, weightDecay));
  let update = d;
  let momentum: tf.Tensor | undefined;
  if (mu > 0) {
    momentum = previousMomentum === undefined ? d : tf.add(tf.mul(previousMomentum, mu), d);
    update = nesterov ? tf.add(d, tf.mul(momentum, mu)) : momentum;
  }
  return { weight: tf.sub(weight, tf.mul(update, lr)), momentum };
}

const f32 = Math.fround;

/**
 * The same step in JavaScript, for weights in host memory. As tensor ops these few multiply-adds cost some ten kernel
 * calls per weight, a quarter of a supernet step's time on the CPU over its hundreds of small weights (`npm run
 * bench:supernet -- --profile`). Each operation is rounded to float32 in the order sgdStepTensors runs it, which gives
 * its results bit for bit: one float32 operation computed in double precision and rounded once is the float32 result
 * (53 ≥ 2·24 + 2 bits).
 */
export function sgdStep(
  weight: Float32Array,
  grad: Float32Array,
  previousMomentum: Float32Array | undefined,
  scale: number,
  settings: SgdSettings,
): { weight: Float32Array; momentum: Float32Array | undefined } {
  const lr = f32(settings.learningRate);
  const mu = f32(settings.momentum);
  const decay = f32(settings.weightDecay);
  const s = f32(scale);
  const n = weight.length;
  const next = new Float32Array(n);
  const momentum = mu > 0 ? new Float32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const w = weight[i]!;
    let d = f32(grad[i]! * s);
    if (decay > 0) d = f32(d + f32(w * decay));
    let update = d;
    if (momentum) {
      const m = previousMomentum === undefined ? d : f32(f32(previousMomentum[i]! * mu) + d);
      momentum[i] = m;
      update = settings.nesterov ? f32(d + f32(m * mu)) : m;
    }
    next[i] = f32(w - f32(update * lr));
  }
  return { weight: next, momentum };
}
