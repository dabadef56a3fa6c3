import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { EnasMicroSpace } from '../../src/space/enas-micro.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import { supernetFromBytes, supernetToBytes } from '../../src/train/supernet/bytes.js';
import { Supernet } from '../../src/train/supernet/supernet.js';
import { Rng } from '../../src/util/rng.js';
import { quadrantBatch } from './quadrant-task.js';

const space = new EnasMicroSpace({ blocks: 2, ops: ['sep_conv_3x3', 'avg_pool_3x3', 'identity'], channels: 4 });
const CONFIG = { inputShape: [8, 8, 1], classes: 4, channels: 4, stages: 2, cellsPerStage: 1, seed: 7 } as const;

before(() => initBackend('wasm'));

function logits(net: Supernet, arch: number[], x: Float32Array): Float32Array {
  const t = net.forward(arch, x);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

test('checkpoint bytes rebuild the supernet: same config, logits, step count and optimiser state', () => {
  const rng = new Rng(1);
  const a = new Supernet(space, { ...CONFIG, learningRate: 0.07 });
  a.trainShared(
    3,
    () => quadrantBatch(rng),
    () => space.sample(rng),
  );
  const bytes = supernetToBytes(a);
  const b = supernetFromBytes(space, bytes);
  const batch = quadrantBatch(rng);
  const arch = space.sample(rng);
  assert.deepEqual(b.config, a.config);
  assert.equal(b.steps, 3);
  assert.equal(b.learningRate, 0.07);
  assert.deepEqual(logits(b, arch, batch.x), logits(a, arch, batch.x));
  // The momentum came back too: the same next step leaves the same weights.
  a.step(arch, batch);
  b.step(arch, batch);
  assert.deepEqual(logits(b, arch, batch.x), logits(a, arch, batch.x));
  // A byte array that is a view into a larger buffer at an odd offset (as a network read may give) works too.
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes, 1);
  const c = supernetFromBytes(space, padded.subarray(1));
  const fresh = supernetFromBytes(space, bytes);
  assert.deepEqual(logits(c, arch, batch.x), logits(fresh, arch, batch.x));
  for (const n of [a, b, c, fresh]) n.dispose();
});

test('checkpoint bytes are refused for another space and when damaged', () => {
  const net = new Supernet(space, CONFIG);
  const bytes = supernetToBytes(net);
  const numTensors = tf.memory().numTensors;
  const other = new EnasMicroSpace({ blocks: 2, ops: ['sep_conv_3x3', 'max_pool_3x3', 'identity'], channels: 4 });
  assert.throws(() => supernetFromBytes(other, bytes), /for 2 blocks of \[sep_conv_3x3, avg_pool_3x3, identity\]/);
  assert.throws(() => supernetFromBytes(space, bytes.subarray(0, bytes.length - 4)), /lies outside/);
  assert.throws(() => supernetFromBytes(space, new Uint8Array([255, 255, 0, 0, 1])), /header of 65535 bytes/);
  const garbled = bytes.slice();
  garbled[4] = 0x7b + 1;
  assert.throws(() => supernetFromBytes(space, garbled), /header is no JSON/);
  // A refused checkpoint leaves no supernet behind.
  assert.equal(tf.memory().numTensors, numTensors);
  net.dispose();
});
