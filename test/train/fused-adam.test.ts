import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/tf/backend.js';
import { FusedAdam } from '../../src/train/fused-adam.js';

before(async () => {
  await initBackend('wasm');
});

/** A small least-squares problem whose variables both optimisers train from the same start. */
function problem() {
  const a = tf.variable(
    tf.tensor2d([
      [0.3, -0.2],
      [0.1, 0.4],
    ]),
  );
  const b = tf.variable(tf.tensor1d([0.05, -0.1]));
  const x = tf.tensor2d([
    [1, 2],
    [3, -1],
    [0.5, 0.5],
  ]);
  const y = tf.tensor2d([
    [1, 0],
    [0, 1],
    [0.5, 0.5],
  ]);
  const loss = () => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, a), b), y))) as tf.Scalar;
  return { a, b, loss, dispose: () => tf.dispose([a, b, x, y]) };
}

describe('FusedAdam', () => {
  it("takes exactly tf.train.adam's steps", () => {
    const ours = problem();
    const theirs = problem();
    const fused = new FusedAdam(0.05);
    const reference = tf.train.adam(0.05, 0.9, 0.999, 1e-7);
    for (let i = 0; i < 20; i++) {
      fused.minimize(ours.loss);
      reference.minimize(theirs.loss);
    }
    for (const [p, q] of [
      [ours.a, theirs.a],
      [ours.b, theirs.b],
    ] as const) {
      const [u, v] = [p.dataSync(), q.dataSync()];
      u.forEach((value, i) => assert.ok(Math.abs(value - v[i]!) < 1e-5, `${value} vs ${v[i]}`));
    }
    reference.dispose();
    ours.dispose();
    theirs.dispose();
  });

  it('leaves no tensors behind between steps', () => {
    const p = problem();
    const fused = new FusedAdam(0.01);
    fused.minimize(p.loss);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) fused.minimize(p.loss);
    assert.equal(tf.memory().numTensors, before);
    p.dispose();
  });
});
