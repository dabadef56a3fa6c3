import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { EnasMicroSpace, MICRO_OPS, type MicroOp } from '../../src/space/enas-micro.js';
import type { Architecture } from '../../src/space/types.js';
import { initBackend, tf } from '../../src/tf/backend.js';
import { MICRO_STEM_MULTIPLIER, networkSpec } from '../../src/train/spec.js';
import { Supernet, type SupernetBatch, type SupernetConfig } from '../../src/train/supernet/index.js';
import { Rng } from '../../src/util/rng.js';
import { quadrantBatch as quadrantTask } from './quadrant-task.js';

const ENAS_OPS: MicroOp[] = ['sep_conv_3x3', 'sep_conv_5x5', 'avg_pool_3x3', 'max_pool_3x3', 'identity'];
const CONFIG: SupernetConfig = { inputShape: [8, 8, 1], classes: 4, channels: 4, stages: 2, cellsPerStage: 1, seed: 7 };
const BATCH = 8;

before(async () => {
  await initBackend('wasm');
});

const quadrantBatch = (rng: Rng, n = BATCH): SupernetBatch => quadrantTask(rng, n);

/** `arch` with every op decision set to op index `op`. */
function withOps(space: EnasMicroSpace, arch: Architecture, op: number): number[] {
  return arch.map((v, i) => (space.decisions[i]!.kind === 'op' ? op : v));
}

function values(net: Supernet, key: string): Float32Array {
  return net.store.get(key).dataSync() as Float32Array;
}

test('forward gives finite [batch, classes] logits for every op, and a train step runs for each', () => {
  const space = new EnasMicroSpace({ blocks: 2, ops: [...MICRO_OPS], channels: 4 });
  const net = new Supernet(space, CONFIG);
  const rng = new Rng(1);
  const batch = quadrantBatch(rng);
  const before = tf.memory().numTensors;
  for (let op = 0; op < MICRO_OPS.length; op++) {
    const arch = withOps(space, space.sample(rng), op);
    const logits = net.forward(arch, batch.x);
    assert.deepEqual(logits.shape, [BATCH, 4]);
    assert.ok((logits.dataSync() as Float32Array).every(Number.isFinite), `${MICRO_OPS[op]} logits finite`);
    logits.dispose();
    const { loss, norm } = net.step(arch, batch);
    assert.ok(Number.isFinite(loss) && Number.isFinite(norm) && norm > 0, `${MICRO_OPS[op]} step`);
  }
  // Only momentum buffers (one per weight used so far) may remain.
  assert.equal(tf.memory().numTensors - before, net.momentumEntries().length);
  net.dispose();
});

test('a training step updates only the weights the sampled architecture uses', () => {
  const space = new EnasMicroSpace({ blocks: 2, ops: ENAS_OPS, channels: 4 });
  const net = new Supernet(space, CONFIG);
  const rng = new Rng(2);
  const arch = withOps(space, space.sample(rng), 0); // all sep_conv_3x3
  const before = new Map(net.store.keys().map((k) => [k, values(net, k).slice()]));
  net.trainShared(
    2,
    () => quadrantBatch(rng),
    () => arch,
  );
  const changed = net.store.keys().filter((k) => !before.get(k)!.every((v, i) => v === values(net, k)[i]));
  assert.ok(changed.includes('stem/conv'));
  assert.ok(changed.includes('classifier/w'));
  assert.ok(changed.includes(`${Supernet.opKey(0, 0, 0, 'sep_conv_3x3')}/dw1`));
  for (const k of changed) {
    assert.ok(!/sep_conv_5x5|identity/.test(k), `unused weight ${k} changed`);
  }
  assert.deepEqual(
    values(net, `${Supernet.opKey(0, 0, 0, 'sep_conv_5x5')}/dw1`),
    before.get(`${Supernet.opKey(0, 0, 0, 'sep_conv_5x5')}/dw1`),
  );
  net.dispose();
});

test('shared training lowers the loss on an easy task', () => {
  const space = new EnasMicroSpace({ blocks: 2, ops: ENAS_OPS, channels: 4 });
  const net = new Supernet(space, CONFIG);
  const rng = new Rng(3);
  const evalBatch = quadrantBatch(new Rng(99), 32);
  const evalArchs = Array.from({ length: 4 }, () => space.sample(new Rng(rng.nextUint32())));
  const meanLoss = () =>
    evalArchs.reduce((s, a) => {
      const l = net.loss(a, evalBatch);
      const v = l.dataSync()[0]!;
      l.dispose();
      return s + v;
    }, 0) / evalArchs.length;
  const initial = meanLoss();
  const t0 = performance.now();
  // 150 steps at ENAS's SGD rate 0.05: after 60 steps at 0.1, whether the loss fell by 15 % depended on the
  // initialisation seed (at 0.1 one seed in eight failed even after 150).
  const steps = 150;
  const { losses } = net.trainShared(
    steps,
    () => quadrantBatch(rng),
    () => space.sample(rng),
  );
  const perStep = (performance.now() - t0) / steps;
  const final = meanLoss();
  console.log(
    `supernet: ${net.store.size()} weights, ${perStep.toFixed(1)} ms/step; eval loss ${initial.toFixed(3)} -> ${final.toFixed(3)}; train ${losses[0]!.toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}`,
  );
  assert.ok(final < initial * 0.85, `eval loss ${initial} -> ${final}`);
  const acc = evalArchs.map((a) => net.getReward(a, evalBatch));
  assert.ok(acc.every((r) => r >= 0 && r <= 1));
  assert.ok(acc.reduce((a, b) => a + b, 0) / acc.length > 0.4, `accuracies ${acc}`);
  net.dispose();
});

test('dil_conv uses an explicitly dilated kernel equal to a rate-2 depthwise conv', () => {
  const space = new EnasMicroSpace({ blocks: 2, ops: ['dil_conv_3x3', 'dil_conv_5x5'], channels: 4 });
  const net = new Supernet(space, CONFIG);
  const inner = net as unknown as { dilatedDepthwise(x: tf.Tensor4D, key: string): tf.Tensor4D };
  const x = tf.tensor4d(quadrantBatch(new Rng(5), 16).x, [4, 8, 8, 4]);
  for (const op of ['dil_conv_3x3', 'dil_conv_5x5']) {
    const key = `${Supernet.opKey(0, 0, 0, op)}/dw`;
    const diff = tf.tidy(() => {
      const ref = tf.depthwiseConv2d(x, net.store.get(key) as tf.Tensor4D, 1, 'same', 'NHWC', 2);
      return tf.max(tf.abs(tf.sub(inner.dilatedDepthwise(x, key), ref)));
    });
    assert.ok(diff.dataSync()[0]! < 1e-5, op);
    diff.dispose();
  }
  x.dispose();
  net.dispose();
});

test('the child network a cell retrains has the layout the supernet trains: stem width, ReLU before global pooling', () => {
  const space = new EnasMicroSpace({ blocks: 2, ops: ENAS_OPS, channels: 4 });
  const net = new Supernet(space, CONFIG);
  const spec = networkSpec(space, space.sample(new Rng(4)), { ...CONFIG, inputShape: [...CONFIG.inputShape] });
  const stem = spec.nodes.find((n) => n.kind === 'conv')!;
  assert.equal(stem.kind === 'conv' && stem.filters, net.store.get('stem/conv').shape[3]);
  assert.equal(net.store.get('stem/conv').shape[3], CONFIG.channels * MICRO_STEM_MULTIPLIER);
  const gap = spec.nodes.find((n) => n.kind === 'gap')!;
  assert.equal(spec.nodes[gap.inputs[0]!]!.kind, 'relu');
  net.dispose();
});
