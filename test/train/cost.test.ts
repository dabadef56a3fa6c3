import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { MICRO_OPS } from '../../src/space/enas-micro.js';
import { createSpace } from '../../src/space/registry.js';
import { specToModel } from '../../src/train/child-network.js';
import { architectureCost, specCost } from '../../src/train/cost.js';
import { GraphBuilder, type T } from '../../src/train/graph.js';
import { factorizedReduce, sepConv } from '../../src/train/ops.js';
import { networkSpec } from '../../src/train/spec.js';
import type { NetworkConfig } from '../../src/train/types.js';
import { initBackend } from '../../src/tf/backend.js';
import { Rng } from '../../src/util/rng.js';

before(async () => {
  await initBackend('cpu');
});

/** Cost of the graph `body` builds on an [h, w, c] input, checked against the built tfjs model's countParams. */
function costOf(shape: [number, number, number], body: (g: GraphBuilder, x: T) => T) {
  const g = new GraphBuilder();
  const spec = g.spec(body(g, g.input(shape)));
  const cost = specCost(spec);
  const model = specToModel(spec);
  assert.equal(model.countParams(), cost.params, 'tfjs countParams');
  model.dispose();
  return cost;
}

test('3x3 conv 16->32 on 8x8, same padding, no bias', () => {
  const cost = costOf([8, 8, 16], (g, x) => g.conv(x, 32, 3));
  assert.deepEqual(cost, { params: 3 * 3 * 16 * 32, trainableParams: 4608, nonTrainableParams: 0, macs: 8 * 8 * 3 * 3 * 16 * 32 });
});

test('conv with bias and stride 2: 4x4 output positions', () => {
  const cost = costOf([8, 8, 16], (g, x) => g.conv(x, 32, 3, 2, 1, true));
  assert.equal(cost.params, 3 * 3 * 16 * 32 + 32);
  assert.equal(cost.macs, 4 * 4 * 3 * 3 * 16 * 32);
});

test('depthwise-separable conv: depthwise 3x3 + pointwise 1x1', () => {
  const cost = costOf([8, 8, 16], (g, x) => g.conv(g.dwconv(x, 3), 32, 1));
  assert.equal(cost.params, 3 * 3 * 16 + 16 * 32);
  assert.equal(cost.macs, 8 * 8 * (3 * 3 * 16) + 8 * 8 * (16 * 32));
});

test('dilated depthwise conv has the parameters and MACs of its kernel size', () => {
  const cost = costOf([8, 8, 4], (g, x) => g.dwconv(x, 5, 1, 2));
  assert.equal(cost.params, 5 * 5 * 4);
  assert.equal(cost.macs, 8 * 8 * 5 * 5 * 4);
});

test('batch norm: gamma, beta trainable; moving mean, variance non-trainable; no MACs counted', () => {
  const cost = costOf([8, 8, 16], (g, x) => g.bn(x));
  assert.deepEqual(cost, { params: 64, trainableParams: 32, nonTrainableParams: 32, macs: 0 });
});

test('dense 64->10 with bias after global average pooling', () => {
  const cost = costOf([4, 4, 64], (g, x) => g.dense(g.gap(x), 10));
  assert.deepEqual(cost, { params: 650, trainableParams: 650, nonTrainableParams: 0, macs: 640 });
});

test('pooling, ReLU, add, concat, zero and shift have no parameters or MACs', () => {
  const cost = costOf([8, 8, 4], (g, x) => {
    const y = g.add([g.pool(g.relu(x), 'max', 3, 1), g.pool(x, 'avg', 3, 1), g.zero(x)]);
    return g.concat([y, g.shift(x)]);
  });
  assert.deepEqual(cost, { params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0 });
});

test('DARTS sep_conv 3x3 16->32: two ReLU-dw-pw-BN stacks', () => {
  const cost = costOf([8, 8, 16], (g, x) => sepConv(g, x, 32, 3));
  assert.equal(cost.trainableParams, 9 * 16 + 16 * 16 + 2 * 16 + 9 * 16 + 16 * 32 + 2 * 32);
  assert.equal(cost.nonTrainableParams, 2 * 16 + 2 * 32);
  assert.equal(cost.macs, 64 * (9 * 16 + 16 * 16 + 9 * 16 + 16 * 32));
});

test('factorized reduce 16->32 on 8x8: two 1x1 stride-2 convs to 16 channels, BN(32)', () => {
  const cost = costOf([8, 8, 16], (g, x) => factorizedReduce(g, x, 32));
  assert.equal(cost.trainableParams, 2 * 16 * 16 + 2 * 32);
  assert.equal(cost.macs, 2 * 4 * 4 * 16 * 16);
});

test('layers that do not feed the output are not counted (as in the built model)', () => {
  const cost = costOf([8, 8, 16], (g, x) => {
    g.conv(x, 32, 3);
    return g.bn(x);
  });
  assert.equal(cost.params, 64);
});

test('nb201 all-skip network, counted by hand', () => {
  const space = createSpace('nb201');
  const arch = space.decode('|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|');
  const C = 8;
  const cost = architectureCost(space, arch, { inputShape: [32, 32, 3], classes: 10, channels: C });
  const resBlock = (cin: number, cout: number) => 9 * cin * cout + 9 * cout * cout + cin * cout;
  const bnT = (c: number) => 2 * c;
  const trainable =
    27 * C + bnT(C) + resBlock(C, 2 * C) + 2 * bnT(2 * C) + resBlock(2 * C, 4 * C) + 2 * bnT(4 * C) + bnT(4 * C) + 4 * C * 10 + 10;
  assert.equal(cost.trainableParams, trainable);
  assert.equal(cost.nonTrainableParams, 2 * (C + 2 * 2 * C + 2 * 4 * C + 4 * C));
  const macs =
    32 * 32 * 27 * C +
    16 * 16 * (9 * C * 2 * C + 9 * 2 * C * 2 * C + C * 2 * C) +
    8 * 8 * (9 * 2 * C * 4 * C + 9 * 4 * C * 4 * C + 2 * C * 4 * C) +
    4 * C * 10;
  assert.equal(cost.macs, macs);
});

test('nb201 CIFAR-10 network (C=16, N=5) matches the NAS-Bench-201 parameter and FLOP range', () => {
  // NAS-Bench-201 reports 0.073306 to 1.531546 M parameters (PyTorch: trainable only) and 7.78305 to 220.11969 M
  // FLOPs for its CIFAR-10 networks; its FLOPs also count the classifier's 10 bias additions.
  const space = createSpace('nb201');
  const config: NetworkConfig = { inputShape: [32, 32, 3], classes: 10, channels: 16, cellsPerStage: 5 };
  const conv = architectureCost(space, [3, 3, 3, 3, 3, 3], config);
  const none = architectureCost(space, [0, 0, 0, 0, 0, 0], config);
  assert.equal(conv.trainableParams, 1_531_546);
  assert.equal(none.trainableParams, 73_306);
  assert.equal(conv.macs + 10, 220_119_690);
  assert.equal(none.macs + 10, 7_783_050);
});

test('params equal model.countParams() for random archs of all four spaces (32x32x3 input)', () => {
  const spaces = [
    createSpace('nb201'),
    createSpace({ name: 'enas-micro', blocks: 4, ops: [...MICRO_OPS] }),
    createSpace({ name: 'enas-macro', layers: 7 }),
    createSpace('mnas'),
  ];
  const config: NetworkConfig = {
    inputShape: [32, 32, 3],
    classes: 10,
    channels: 8,
    cellsPerStage: 1,
    widthMultiplier: 0.25,
    headChannels: 128,
  };
  const rng = new Rng(42);
  for (const space of spaces) {
    for (let i = 0; i < 3; i++) {
      const arch = space.sample(rng);
      const spec = networkSpec(space, arch, config);
      const model = specToModel(spec);
      assert.equal(architectureCost(space, arch, config).params, model.countParams(), `${space.name} ${space.encode(arch)}`);
      model.dispose();
    }
  }
});

test('enas-macro with fewer layers than stages and skips across reductions', () => {
  const space = createSpace({ name: 'enas-macro', layers: 2 });
  const config: NetworkConfig = { inputShape: [16, 16, 1], classes: 3, channels: 4 };
  for (const arch of [
    [0, 0, 0],
    [2, 4, 1],
    [5, 1, 1],
  ]) {
    const spec = networkSpec(space, arch, config);
    const model = specToModel(spec);
    assert.equal(specCost(spec).params, model.countParams());
    model.dispose();
  }
});
