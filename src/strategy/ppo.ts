import { tf } from '../tf/backend.js';
import type { Rollout } from './lstm-policy.js';

/**
 * PPO's clipped surrogate (Schulman et al. 2017), as NASNet and MnasNet train their controllers: with
 * r = π(a)/π_old(a), minimise −Σ wᵢ·min(rᵢAᵢ, clip(rᵢ, 1−ε, 1+ε)Aᵢ) / Σ wᵢ − β·H.
 */
export function ppoLoss(
  rollout: Rollout,
  oldLogProb: tf.Tensor1D,
  advantages: tf.Tensor1D,
  weights: tf.Tensor1D,
  clip: number,
  entropyWeight: number,
): tf.Scalar {
  const ratio = tf.exp(tf.sub(rollout.logProb, oldLogProb));
  const clipped = tf.clipByValue(ratio, 1 - clip, 1 + clip);
  const surrogate = tf.minimum(tf.mul(ratio, advantages), tf.mul(clipped, advantages));
  const objective = tf.div(tf.sum(tf.mul(weights, surrogate)), tf.sum(weights));
  return tf.neg(tf.add(objective, tf.mul(entropyWeight, tf.mean(rollout.entropy)))) as tf.Scalar;
}
