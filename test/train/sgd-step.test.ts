import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend, tf } from '../../src/tf/backend.js';
import { type SgdSettings, sgdStep, sgdStepTensors } from '../../src/train/supernet/sgd-step.js';
import { Rng } from '../../src/util/rng.js';

before(async () => {
  await initBackend('wasm');
});

/** sgdStepTensors on arrays: the tensor ops the supernet runs on a GPU (and ran everywhere before sgdStep). */
function tensorStep(w: Float32Array, g: Float32Array, prev: Float32Array | undefined, scale: number, s: SgdSettings) {
  return tf.tidy(() => {
    const next = sgdStepTensors(tf.tensor1d(w), tf.tensor1d(g), prev && tf.tensor1d(prev), tf.scalar(scale), s);
    return { weight: next.weight.dataSync() as Float32Array, momentum: next.momentum?.dataSync() as Float32Array | undefined };
  });
}

/** Values over many magnitudes, so that any rounding left out shows. */
function spread(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * 10 ** Math.floor(rng.next() * 12 - 6));
}

const SETTINGS: SgdSettings[] = [
  { learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 },
  { learningRate: 0.0371, momentum: 0.9, nesterov: false, weightDecay: 3e-4 },
  { learningRate: 0.05, momentum: 0, nesterov: true, weightDecay: 1e-4 },
  { learningRate: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0 },
];

test("sgdStep gives sgdStepTensors' float32 results bit for bit, with and without momentum, Nesterov and decay", () => {
  const rng = new Rng(5);
  for (const settings of SETTINGS) {
    for (const [scale, first] of [
      [1, true],
      [1, false],
      [0.4172, false],
    ] as const) {
      const w = spread(rng, 4096);
      const g = spread(rng, 4096);
      const prev = first ? undefined : spread(rng, 4096);
      const got = sgdStep(w, g, prev, scale, settings);
      const want = tensorStep(w, g, prev, scale, settings);
      const label = `${JSON.stringify(settings)}, scale ${scale}, ${first ? 'first step' : 'with momentum'}`;
      assert.deepEqual(got.weight, want.weight, label);
      assert.deepEqual(got.momentum, want.momentum, label);
    }
  }
});

test('sgdStep leaves its inputs as they were', () => {
  const rng = new Rng(6);
  const [w, g, m] = [spread(rng, 64), spread(rng, 64), spread(rng, 64)];
  const copies = [w.slice(), g.slice(), m.slice()];
  sgdStep(w, g, m, 0.5, SETTINGS[0]!);
  assert.deepEqual([w, g, m], copies);
});
