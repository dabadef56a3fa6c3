import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { initBackend, tf } from '../../src/tf/backend.js';
import { DepthwiseConvLayer, dilateDepthwiseFilter } from '../../src/train/depthwise-conv-layer.js';
import { loadModel, modelFiles } from '../../src/train/export.js';
import { seededFloats } from '../support/seeded-floats.js';

// The cpu backend computes dilated depthwise convolutions directly (forward only): the reference here.
before(async () => {
  await initBackend('cpu');
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
const tensor4d = (shape: [number, number, number, number], seed: number) =>
  tf.tensor4d(seededFloats(seed)(shape.reduce((a, b) => a * b)), shape);

for (const [k, rate, m] of [
  [3, [2, 2], 1],
  [5, [2, 2], 1],
  [3, [1, 3], 2],
] as const) {
  test(`a ${k}x${k} filter dilated by ${rate} (multiplier ${m}) convolves as the dilated depthwise convolution`, () => {
    const x = tensor4d([2, 11, 11, 3], 1);
    const w = tensor4d([k, k, 3, m], 2);
    const filter = dilateDepthwiseFilter(w, rate);
    assert.deepEqual(filter.shape, [(k - 1) * rate[0] + 1, (k - 1) * rate[1] + 1, 3, m]);
    for (const pad of ['same', 'valid'] as const) {
      const ref = tf.depthwiseConv2d(x, w, 1, pad, 'NHWC', [rate[0], rate[1]]);
      assert.ok(maxDiff(tf.depthwiseConv2d(x, filter, 1, pad), ref) < 1e-5, pad);
    }
    tf.dispose([x, w, filter]);
  });
}

test('the layer applies its dilationRate (tfjs-layers ignores it), trains, and round-trips through export', async () => {
  const x = tensor4d([2, 9, 9, 4], 3);
  const layer = new DepthwiseConvLayer({ kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false, inputShape: [9, 9, 4] });
  const model = tf.sequential({ layers: [layer] });
  const w = layer.getWeights()[0] as tf.Tensor4D;
  const y = model.predict(x) as tf.Tensor;
  assert.ok(maxDiff(y, tf.depthwiseConv2d(x, w, 1, 'same', 'NHWC', 2)) < 1e-5);
  assert.ok(maxDiff(y, tf.depthwiseConv2d(x, w, 1, 'same')) > 0.1, 'same as undilated');

  // tfjs has no gradient for a dilated depthwise kernel; through the dilated filter there is one.
  const grads = tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar);
  const g = Object.values(grads.grads)[0]!;
  assert.deepEqual(g.shape, [3, 3, 4, 1]);
  assert.ok(tf.sum(tf.abs(g)).dataSync()[0]! > 0);

  const dir = mkdtempSync(join(tmpdir(), 'nasmesh-dw-'));
  try {
    const files = await modelFiles(model);
    const topology = JSON.stringify(JSON.parse(files['model.json']).modelTopology);
    assert.match(topology, /"class_name":"DepthwiseConv2D"/);
    assert.match(topology, /"dilation_rate":\[2,2\]/);
    writeFileSync(join(dir, 'model.json'), files['model.json']);
    writeFileSync(join(dir, 'weights.bin'), files['weights.bin']);
    const loaded = await loadModel(dir);
    assert.ok(maxDiff(loaded.predict(x) as tf.Tensor, y) < 1e-6);
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  tf.dispose([x, y, g]);
  model.dispose();
});

test('undilated, the layer is tfjs-layers’ own', () => {
  const x = tensor4d([1, 7, 7, 2], 4);
  const layer = new DepthwiseConvLayer({ kernelSize: 3, strides: 2, padding: 'same', useBias: true, inputShape: [7, 7, 2] });
  const y = layer.apply(x) as tf.Tensor;
  const [w, b] = layer.getWeights() as [tf.Tensor4D, tf.Tensor1D];
  assert.ok(maxDiff(y, tf.add(tf.depthwiseConv2d(x, w, 2, 'same'), b)) < 1e-6);
  tf.dispose([x, y]);
});
