import { tf } from '../tf/backend.js';
import type { Rollout } from './lstm-policy.js';

/**
 * REINFORCE (Williams 1992) as in ENAS: minimise −Σ wᵢ·Aᵢ·log π(aᵢ) / Σ wᵢ − β·H, where Aᵢ is the reward minus the
 * moving-average baseline and wᵢ weighs replayed elite samples against fresh ones.
 */
export function reinforceLoss(rollout: Rollout, advantages: tf.Tensor1D, weights: tf.Tensor1D, entropyWeight: number): tf.Scalar {
  const surrogate = tf.div(tf.sum(tf.mul(tf.mul(weights, advantages), rollout.logProb)), tf.sum(weights));
  return tf.neg(tf.add(surrogate, tf.mul(entropyWeight, tf.mean(rollout.entropy)))) as tf.Scalar;
}
