import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Adam } from '../../src/strategy/adam.js';
import { LstmPolicy } from '../../src/strategy/lstm-policy.js';
import { ppoLoss } from '../../src/strategy/ppo.js';
import { reinforceLoss } from '../../src/strategy/reinforce.js';
import { createSpace } from '../../src/space/registry.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import { Rng } from '../../src/util/rng.js';

before(async () => {
  await initBackend();
});

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-5) =>
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) < tol, `[${i}] ${actual[i]} vs ${e}`));

describe('PPO clipped surrogate', () => {
  it('clips exactly where the paper says, with zero gradient on the clipped side', () => {
    // ratios 1.5, 0.5, 0.5, 1.5 against advantages +1, +1, −1, −1 (ε = 0.2):
    //   +1 × 1.5 → clipped to 1.2 (no gradient)   +1 × 0.5 → 0.5 (gradient)
    //   −1 × 0.5 → clipped to −0.8 (no gradient)  −1 × 1.5 → −1.5 (gradient)
    const ratios = [1.5, 0.5, 0.5, 1.5];
    const advantages = tf.tensor1d([1, 1, -1, -1]);
    const weights = tf.ones([4]) as tf.Tensor1D;
    const old = tf.zeros([4]) as tf.Tensor1D;
    const logProb = tf.tensor1d(ratios.map(Math.log));
    const loss = (lp: tf.Tensor) => ppoLoss({ logProb: lp as tf.Tensor1D, entropy: tf.zeros([4]) }, old, advantages, weights, 0.2, 0);
    close(loss(logProb).dataSync(), [-(1.2 + 0.5 - 0.8 - 1.5) / 4]);
    // d(−mean(r·A))/d log r = −r·A/4 where unclipped.
    close(tf.grad(loss)(logProb).dataSync(), [0, -0.5 / 4, 0, 1.5 / 4]);
  });
});

describe('REINFORCE loss', () => {
  it('has the hand-computed gradient −wᵢAᵢ/Σw on each log-probability', () => {
    const advantages = tf.tensor1d([0.5, -0.25]);
    const weights = tf.tensor1d([1, 3]);
    const entropy = tf.tensor1d([1, 2]);
    const loss = (lp: tf.Tensor) => reinforceLoss({ logProb: lp as tf.Tensor1D, entropy }, advantages, weights, 0.1);
    const logProb = tf.tensor1d([-1, -2]);
    // −(0.5·1·(−1) + (−0.25)·3·(−2))/4 − 0.1·mean(1, 2) = −(−0.5 + 1.5)/4 − 0.15
    close(loss(logProb).dataSync(), [-0.25 - 0.15]);
    close(tf.grad(loss)(logProb).dataSync(), [-0.125, 0.1875]);
    // The entropy bonus lowers the loss as entropy grows: gradient −β/n.
    const byEntropy = (h: tf.Tensor) => reinforceLoss({ logProb, entropy: h as tf.Tensor1D }, advantages, weights, 0.1);
    close(tf.grad(byEntropy)(entropy).dataSync(), [-0.05, -0.05]);
  });

  it('raises the probability of an architecture with positive advantage and lowers it with negative', () => {
    for (const sign of [1, -1]) {
      const space = createSpace({ name: 'enas-micro', blocks: 2 });
      const policy = new LstmPolicy(space, { units: 16, temperature: 1, tanhConstant: 2.5 }, new Rng(1));
      const adam = new Adam(0.01);
      try {
        const arch = space.sample(new Rng(2));
        const logProb = () => tf.tidy(() => policy.evaluate([arch]).logProb.dataSync()[0]!);
        const before = logProb();
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() =>
            reinforceLoss(policy.evaluate([arch]), tf.tensor1d([sign]), tf.ones([1]) as tf.Tensor1D, 0),
          );
          adam.apply(policy.variables, grads);
        });
        const after = logProb();
        assert.ok(sign > 0 ? after > before : after < before, `sign ${sign}: ${before} → ${after}`);
      } finally {
        policy.dispose();
        adam.dispose();
      }
    }
  });
});
