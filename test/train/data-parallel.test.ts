import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadedDataset } from '../../src/data/types.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import { fitDataParallel } from '../../src/train/data-parallel.js';
import { GraphBuilder } from '../../src/train/graph.js';
import type { NetworkSpec } from '../../src/train/types.js';
import { Rng } from '../../src/util/rng.js';

before(async () => {
  await initBackend('wasm');
});

function dataset(count: number): LoadedDataset {
  const rng = new Rng(3);
  const images = Uint8Array.from({ length: count * 36 }, () => Math.floor(rng.next() * 256));
  const labels = Uint8Array.from({ length: count }, (_, i) => (images[i * 36]! > 127 ? 1 : 0) + (i % 2) * 2);
  const split = { images, labels, count };
  return {
    name: 'synthetic',
    train: split,
    test: split,
    validation: split,
    classes: 4,
    shape: [6, 6, 1],
    stats: { mean: Float32Array.of(0.5), std: Float32Array.of(0.29) },
    augment: { pad: 0, flip: false },
  };
}

function network(withBn: boolean): NetworkSpec {
  const g = new GraphBuilder();
  let x = g.relu(g.conv(g.input([6, 6, 1]), 4, 3, 1, 1, true));
  if (withBn) x = g.bn(x);
  return g.spec(g.dense(g.gap(x), 4));
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
const opts = { epochs: 2, batchSize: 10, learningRate: 0.01, seed: 5, backend: 'wasm' as const };

describe('data-parallel training', () => {
  it('without batch norm, 3 replicas train exactly what 1 replica trains (the averaged gradient is the batch gradient)', async () => {
    const data = dataset(47); // the last batch (7) splits unevenly: 3, 3, 1
    const one = await fitDataParallel(network(false), 'n', data, { ...opts, replicas: 1 });
    const three = await fitDataParallel(network(false), 'n', data, { ...opts, replicas: 3 });
    const [a, b] = [weightsOf(one.model), weightsOf(three.model)];
    a.forEach((w, i) => w.forEach((v, k) => assert.ok(Math.abs(v - b[i]![k]!) < 1e-4, `weight ${i}[${k}]: ${v} vs ${b[i]![k]}`)));
    assert.deepEqual(
      one.losses.map((l) => l.toFixed(4)),
      three.losses.map((l) => l.toFixed(4)),
    );
    assert.ok(one.losses[1]! < one.losses[0]!, `loss did not fall: ${one.losses}`);
    one.model.dispose();
    three.model.dispose();
  });

  it('is reproducible with batch norm, and the same seed gives the same model', async () => {
    const data = dataset(40);
    const a = await fitDataParallel(network(true), 'n', data, { ...opts, replicas: 2 });
    const b = await fitDataParallel(network(true), 'n', data, { ...opts, replicas: 2 });
    assert.deepEqual(weightsOf(a.model), weightsOf(b.model));
    a.model.dispose();
    b.model.dispose();
  });
});
