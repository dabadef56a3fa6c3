import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MICRO_OPS } from '../../src/space/enas-micro.js';
import { createSpace } from '../../src/space/registry.js';
import type { SearchSpace } from '../../src/space/types.js';
import { buildChildNetwork } from '../../src/train/child-network.js';
import type { NetworkConfig } from '../../src/train/types.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import { Rng } from '../../src/util/rng.js';

before(async () => {
  await initBackend('cpu');
});

const SPACES: readonly SearchSpace[] = [
  createSpace('nb201'),
  // All ten micro ops, so dilated convs and 1x1/3x3 convs are exercised too.
  createSpace({ name: 'enas-micro', blocks: 3, ops: [...MICRO_OPS] }),
  createSpace({ name: 'enas-macro', layers: 6 }),
  createSpace('mnas'),
];

const SMALL: NetworkConfig = {
  inputShape: [16, 16, 1],
  classes: 5,
  channels: 8,
  cellsPerStage: 1,
  widthMultiplier: 0.25,
  headChannels: 128,
};

const size = (ws: readonly tf.LayerVariable[]) => ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);

for (const space of SPACES) {
  test(`${space.name}: 3 random archs build, run forward and match the cost model's parameter counts`, () => {
    const rng = new Rng(7);
    for (let i = 0; i < 3; i++) {
      const arch = space.sample(rng);
      const { model, cost } = buildChildNetwork(space, arch, SMALL);
      const y = tf.tidy(() => {
        const out = model.predict(tf.randomNormal([2, 16, 16, 1])) as tf.Tensor;
        return { shape: out.shape, values: Array.from(out.dataSync()) };
      });
      assert.deepEqual(y.shape, [2, 5]);
      assert.ok(y.values.every(Number.isFinite), `non-finite output for ${space.encode(arch)}`);
      assert.equal(model.countParams(), cost.params, space.encode(arch));
      assert.equal(size(model.trainableWeights), cost.trainableParams);
      assert.equal(size(model.nonTrainableWeights), cost.nonTrainableParams);
      model.dispose();
    }
  });
}

test('a found cell transfers to a bigger network: more cells and channels, same arch', () => {
  const space = SPACES[1]!;
  const arch = space.sample(new Rng(3));
  const small = buildChildNetwork(space, arch, SMALL);
  const big = buildChildNetwork(space, arch, { ...SMALL, channels: 16, cellsPerStage: 2 });
  assert.ok(big.cost.params > 2 * small.cost.params);
  assert.equal(big.model.countParams(), big.cost.params);
  small.model.dispose();
  big.model.dispose();
});

test('mnas with squeeze-excite and identity skips builds on a 32x32x3 input', () => {
  const space = createSpace({ name: 'mnas', seRatios: [0.25], skipOps: ['identity'], convOps: ['mbconv_e3', 'conv'] });
  const arch = space.sample(new Rng(11));
  const { model, cost, spec } = buildChildNetwork(space, arch, { ...SMALL, inputShape: [32, 32, 3], stemStride: 1 });
  assert.ok(spec.nodes.some((n) => n.kind === 'multiply'));
  assert.ok(spec.nodes.some((n) => n.kind === 'add'));
  const out = tf.tidy(() => (model.predict(tf.randomNormal([1, 32, 32, 3])) as tf.Tensor).shape);
  assert.deepEqual(out, [1, 5]);
  assert.equal(model.countParams(), cost.params);
  model.dispose();
});

for (const space of SPACES) {
  test(`${space.name}: training steps on 8 random images change the loss, no NaN`, async () => {
    const arch = space.sample(new Rng(5));
    // 8x8 input and 2 stages: the pure-JS cpu backend's conv gradients take seconds per step at 16x16.
    const config: NetworkConfig = { ...SMALL, inputShape: [8, 8, 1], stages: 2, stemStride: 1, outputActivation: 'softmax' };
    const { model } = buildChildNetwork(space, arch, config);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
    const x = tf.randomNormal([8, 8, 8, 1], 0, 1, 'float32', 1);
    const y = tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2]);
    const losses: number[] = [];
    for (let step = 0; step < 2; step++) losses.push((await model.trainOnBatch(x, y)) as number);
    assert.ok(losses.every(Number.isFinite), `losses ${losses.join(', ')}`);
    // Weight init is unseeded and BN runs on batch statistics, so only a change (not a decrease) is guaranteed.
    assert.notEqual(losses[1], losses[0]);
    tf.dispose([x, y]);
    model.dispose();
  });
}
