import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend, tf, type BackendName } from '../../src/tf/backend.js';
import { ConvLayer } from '../../src/train/conv-layer.js';
import { seededFloats } from '../support/seeded-floats.js';

const rand = seededFloats(11);
type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];

/** A one-layer model on a [9, 9, 3] input, `layer` given the same seeded weights whichever class it is. */
function model(layer: tf.layers.Layer): tf.LayersModel {
  const input = tf.input({ shape: [9, 9, 3] });
  const m = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  const r = seededFloats(5);
  m.setWeights(m.getWeights().map((w) => tf.tensor(r(w.size), w.shape)));
  return m;
}

/** Output, weight gradients and the kernels that computing them ran. */
async function run(m: tf.LayersModel, x: tf.Tensor) {
  let result: { y: Float32Array; grads: Float32Array[] } | undefined;
  const info = await tf.profile(() => {
    const y = m.apply(x) as tf.Tensor;
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(m.apply(x) as tf.Tensor)) as tf.Scalar);
    result = { y: y.dataSync() as Float32Array, grads: Object.values(grads).map((g) => g.dataSync() as Float32Array) };
  });
  return { ...result!, kernels: info.kernelNames };
}

const CASES: ConvArgs[] = [
  { filters: 4, kernelSize: 3, padding: 'same', useBias: false },
  { filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false },
  { filters: 4, kernelSize: 1, padding: 'valid', useBias: true },
];

// The native backend where it loads (`make deps`); its absence is the native-parity suite's to report.
const tensorflow = await initBackend('tensorflow').then(
  () => true,
  () => false,
);
const BACKENDS: BackendName[] = ['cpu', 'wasm', ...(tensorflow ? (['tensorflow'] as const) : [])];

for (const backend of BACKENDS) {
  for (const args of CASES) {
    test(`${backend}: ConvLayer equals tfjs-layers' Conv2D bit for bit: ${JSON.stringify(args)}`, async () => {
      await initBackend(backend);
      const x = tf.tensor4d(rand(2 * 9 * 9 * 3), [2, 9, 9, 3]);
      const ours = await run(model(new ConvLayer(args)), x);
      const theirs = await run(model(tf.layers.conv2d(args)), x);
      assert.deepEqual(ours.y, theirs.y);
      assert.equal(ours.grads.length, theirs.grads.length);
      ours.grads.forEach((g, i) => assert.deepEqual(g, theirs.grads[i]));
    });
  }
}

test("a convolution on the network's input computes no input gradient (tfjs-layers' Conv2D does)", async () => {
  await initBackend('cpu');
  const x = tf.tensor4d(rand(2 * 9 * 9 * 3), [2, 9, 9, 3]);
  const args = CASES[0]!;
  const ours = await run(model(new ConvLayer(args)), x);
  const theirs = await run(model(tf.layers.conv2d(args)), x);
  assert.ok(ours.kernels.includes('Conv2DBackpropFilter'), ours.kernels.join(' '));
  assert.ok(!ours.kernels.includes('Conv2DBackpropInput'), ours.kernels.join(' '));
  assert.ok(theirs.kernels.includes('Conv2DBackpropInput'), theirs.kernels.join(' '));
});

test('ConvLayer serialises as a plain Conv2D', () => {
  const layer = new ConvLayer(CASES[0]!);
  assert.equal(layer.getClassName(), 'Conv2D');
});
