import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EnasMicroSpace, MICRO_OPS } from '../../src/space/enas-micro.js';
import { createSpace } from '../../src/space/registry.js';
import type { Architecture, SearchSpace } from '../../src/space/types.js';
import { initBackend, tf, type BackendName } from '../../src/tf/backend.js';
import { buildChildNetwork } from '../../src/train/child-network.js';
import { dilateDepthwiseFilter } from '../../src/train/depthwise-conv-layer.js';
import { loadModel, modelFiles } from '../../src/train/export.js';
import { FusedAdam } from '../../src/train/fused-adam.js';
import { hasKernel, NATIVE_MAX_POOL_GRAD } from '../../src/train/kernels/tensorflow/tensorflow-kernels.js';
import { seedKernels } from '../../src/train/seeded-init.js';
import { Supernet } from '../../src/train/supernet/index.js';
import type { NetworkConfig } from '../../src/train/types.js';
import { Rng } from '../../src/util/rng.js';
import { seededFloats } from '../support/seeded-floats.js';

/**
 * The native `tensorflow` backend (tfjs-node on the tensorflow-cpu wheel, `make deps`) and `wasm` (with nasmesh's
 * own training kernels) compute the same things: every op and gradient the project trains with, the optimisers,
 * whole child networks and the supernet over several steps from one seed, and an exported model on either side.
 *
 * Tolerances: single ops and their gradients agree to 1e-4 of the result's scale (float32 sums in a different order);
 * losses after a few training steps to 1e-3 relative (rounding differences grow with each update); predictions of
 * the same exported weights to 1e-4 of the logits' scale.
 */

const native = await initBackend('tensorflow')
  .then(() => true as const)
  .catch((err: unknown) => (err as Error).message);
const skip = native === true ? false : `native TensorFlow backend not available (${native}); \`make deps\` builds it`;

const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm'];

/** tfjs-node's way to run a TensorFlow op by name: here, TensorFlow's own kernels to compare nasmesh's with. */
interface TensorflowOps {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_INT: number; TF_ATTR_STRING: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: { name: string; type: number; value: unknown }[], inputs: tf.Tensor[]): tf.Tensor;
}

const rand = seededFloats(2024);
const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The largest |expected|, the scale assertClose measures differences against. */
function scaleOf(expected: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  return Math.max(scale, 1e-6);
}

/** Fails unless every element of `actual` is within `tol` of `expected`, relative to the largest |expected|. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const scale = scaleOf(expected);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (!(diff <= tol * scale))
      assert.fail(`${label}: element ${i} is ${actual[i]} on tensorflow, ${expected[i]} on wasm (scale ${scale})`);
  }
}

/** The largest difference between `a` and `b` relative to the largest |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < b.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  return diff / scaleOf(b);
}

/** Runs `fn` on each backend in turn. */
async function onEach<T>(fn: (backend: BackendName) => T | Promise<T>): Promise<Record<BackendName, T>> {
  const out: Partial<Record<BackendName, T>> = {};
  for (const backend of BACKENDS) {
    await initBackend(backend);
    assert.equal(tf.getBackend(), backend);
    out[backend] = await fn(backend);
  }
  return out as Record<BackendName, T>;
}

interface OpCase {
  name: string;
  /** Shapes of the (float) inputs. */
  inputs: number[][];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
}

const x4 = [2, 9, 9, 4];
const OPS: OpCase[] = [];
for (const k of [1, 3, 5, 7]) {
  for (const stride of [1, 2]) {
    OPS.push({
      name: `conv2d ${k}x${k} stride ${stride}`,
      inputs: [x4, [k, k, 4, 6]],
      f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 'same'),
    });
    OPS.push({
      name: `depthwiseConv2d ${k}x${k} stride ${stride}`,
      inputs: [x4, [k, k, 4, 1]],
      f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 'same'),
    });
  }
}
// Wider than 3x3 over more than 16 channels, the filter gradient takes TensorFlow's own kernel through explicit pads
// (depthwise-filter-grad.ts): 'same' on odd and even sizes (uneven pads at stride 2) and 'valid'.
for (const [size, stride, pad] of [
  [9, 1, 'same'],
  [8, 2, 'same'],
  [9, 2, 'valid'],
] as const) {
  OPS.push({
    name: `depthwiseConv2d 5x5 stride ${stride} ${pad} on ${size}x${size} over 24 channels`,
    inputs: [
      [2, size, size, 24],
      [5, 5, 24, 1],
    ],
    f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
  });
}
// oneDNN's AVX2 filter gradient for these corrupts the heap under 7 input channels at an even size (pointwise-filter-grad.ts).
for (const channels of [4, 8]) {
  OPS.push({
    name: `conv2d 1x1 stride 2 on 8x8 over ${channels} channels`,
    inputs: [
      [2, 8, 8, channels],
      [1, 1, channels, 6],
    ],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
  });
}
for (const k of [3, 5]) {
  // tfjs has no gradient for dilated convolutions: child networks' are checked end to end below.
  OPS.push({
    name: `conv2d ${k}x${k} dilation 2 (forward)`,
    inputs: [x4, [k, k, 4, 6]],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2),
  });
  // Dilated depthwise convolutions run through the dilated filter (TensorFlow's CPU kernel refuses dilations without oneDNN).
  OPS.push({
    name: `depthwiseConv2d ${k}x${k} dilation 2 (dilated filter)`,
    inputs: [x4, [k, k, 4, 1]],
    f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, dilateDepthwiseFilter(w as tf.Tensor4D, [2, 2]), 1, 'same'),
  });
}
for (const [size, stride, pad] of [
  [3, 1, 'same'],
  [3, 2, 'same'],
  [2, 2, 'valid'],
] as const) {
  OPS.push({ name: `maxPool ${size} stride ${stride} ${pad}`, inputs: [x4], f: (x) => tf.maxPool(x as tf.Tensor4D, size, stride, pad) });
  // ReLU's zeros tie within windows: the gradient must go to the same (first) maximum on both backends.
  OPS.push({
    name: `maxPool ${size} stride ${stride} ${pad} after ReLU (ties)`,
    inputs: [x4],
    f: (x) => tf.maxPool(tf.relu(x as tf.Tensor4D), size, stride, pad),
  });
  OPS.push({ name: `avgPool ${size} stride ${stride} ${pad}`, inputs: [x4], f: (x) => tf.avgPool(x as tf.Tensor4D, size, stride, pad) });
}
OPS.push(
  {
    name: 'batch norm in training (moments + batchNorm, as tfjs-layers)',
    inputs: [x4, [4], [4]],
    f: (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x!, [0, 1, 2]);
      return tf.batchNorm(x!, mean, variance, beta, gamma, 1e-5);
    },
  },
  {
    name: "the supernet's batch norm (moments, rsqrt)",
    inputs: [x4, [4], [4]],
    f: (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x!, [0, 1, 2], true);
      return tf.add(tf.mul(tf.mul(tf.sub(x!, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma!), beta!);
    },
  },
  { name: 'relu', inputs: [x4], f: (x) => tf.relu(x!) },
  { name: 'sigmoid', inputs: [x4], f: (x) => tf.sigmoid(x!) },
  { name: 'add, mul', inputs: [x4, x4], f: (a, b) => tf.add(tf.mul(a!, b!), a!) },
  { name: 'concat on channels', inputs: [x4, [2, 9, 9, 3]], f: (a, b) => tf.concat([a!, b!], 3) },
  {
    name: 'slice and pad (shift)',
    inputs: [x4],
    f: (x) =>
      tf.pad(tf.slice(x!, [0, 1, 1, 0], [-1, -1, -1, -1]), [
        [0, 0],
        [0, 1],
        [0, 1],
        [0, 0],
      ]),
  },
  { name: 'global average pool (mean)', inputs: [x4], f: (x) => tf.mean(x!, [1, 2]) },
  { name: 'matMul + bias', inputs: [[5, 12], [12, 7], [7]], f: (x, w, b) => tf.add(tf.matMul(x!, w!), b!) },
  {
    name: 'softmax cross-entropy',
    inputs: [[6, 10]],
    f: (logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 3, 9, 2, 2, 7], 'int32'), 10), logits!),
  },
  {
    name: 'square, sum, sqrt, minimum, div (gradient clipping)',
    inputs: [[3, 5], [8]],
    f: (a, b) => tf.div(tf.minimum(1, tf.sqrt(tf.addN([tf.sum(tf.square(a!)), tf.sum(tf.square(b!))]))), 3),
  },
);

/** Output of `c.f` and the gradient of sum(f(x) * r) for every input, on the active backend. */
function opAndGrads(c: OpCase, values: Float32Array[], r: Float32Array) {
  return tf.tidy(() => {
    const xs = c.inputs.map((shape, i) => tf.tensor(values[i]!, shape));
    const y = c.f(...xs);
    const weights = tf.tensor(r.subarray(0, y.size), y.shape);
    const grads = c.name.includes('(forward)') ? [] : tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(c.f(...args), weights)))(xs);
    return { y: y.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

const SMALL: NetworkConfig = {
  inputShape: [16, 16, 1],
  classes: 5,
  channels: 8,
  cellsPerStage: 1,
  widthMultiplier: 0.25,
  headChannels: 64,
};

function batchOf(rng: Rng, n: number, shape: readonly number[], classes: number, scale = 1) {
  const x = Float32Array.from({ length: n * count(shape) }, () => scale * rng.normal());
  const y = Int32Array.from({ length: n }, () => rng.int(classes));
  return { x, y, count: n };
}

/**
 * Losses of `steps` FusedAdam steps of `arch` from the seeded initialisation, on the active backend. Adam divides
 * each gradient by its own magnitude, so a gradient that is zero but for rounding (a batch norm's offset right before
 * another batch norm) would take full-size steps of opposite signs on the two backends; epsilon 1e-3 keeps such
 * noise at noise level, while real gradients (far above 1e-3 here) still take Adam's steps.
 */
function trainChild(space: SearchSpace, arch: Architecture, steps: number, inputScale = 1): { losses: number[]; logits: Float32Array } {
  const { model } = buildChildNetwork(space, arch, SMALL);
  seedKernels(model, new Rng(11));
  const optimizer = new FusedAdam(1e-3, 0.9, 0.999, 1e-3);
  const rng = new Rng(5);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const b = batchOf(rng, 8, SMALL.inputShape, SMALL.classes, inputScale);
    const x = tf.tensor4d(b.x, [b.count, ...SMALL.inputShape]);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(b.y, 'int32'), SMALL.classes));
    losses.push(
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar),
    );
    tf.dispose([x, labels]);
  }
  // Inference mode: batch norm uses the moving averages the training steps kept.
  const b = batchOf(rng, 8, SMALL.inputShape, SMALL.classes);
  const logits = tf.tidy(
    () => (model.apply(tf.tensor4d(b.x, [b.count, ...SMALL.inputShape]), { training: false }) as tf.Tensor).dataSync() as Float32Array,
  );
  model.dispose();
  return { losses, logits };
}

/** The loss at the seeded initialisation, then every trainable variable's gradient, on the active backend. */
function lossAndGrads(space: SearchSpace, arch: Architecture, inputScale = 1): { loss: number; grads: Float32Array } {
  const { model } = buildChildNetwork(space, arch, SMALL);
  seedKernels(model, new Rng(11));
  const b = batchOf(new Rng(5), 8, SMALL.inputShape, SMALL.classes, inputScale);
  const out = tf.tidy(() => {
    const x = tf.tensor4d(b.x, [b.count, ...SMALL.inputShape]);
    const labels = tf.oneHot(tf.tensor1d(b.y, 'int32'), SMALL.classes);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    );
    const ordered = model.trainableWeights.map((w) => grads[(w as unknown as { val: tf.Variable }).val.name]!);
    return { loss: value.dataSync()[0]!, grads: Float32Array.from(ordered.flatMap((g) => Array.from(g.dataSync()))) };
  });
  model.dispose();
  return out;
}

/**
 * The first two architectures sampled from Rng(3) at which `measure` is continuous: on wasm, inputs scaled by 1 + 1e-6
 * move it by less than `tol`. Max pooling's gradient jumps where two values of a window nearly tie, and an
 * architecture that sits on such a tie at the seeded point differs on any two backends by rounding alone.
 */
async function wellConditioned(space: SearchSpace, tol: number, measure: (arch: Architecture, inputScale: number) => ArrayLike<number>) {
  await initBackend('wasm');
  const rng = new Rng(3);
  const archs: Architecture[] = [];
  for (let tries = 0; archs.length < 2; tries++) {
    assert.ok(tries < 10, `${space.name}: fewer than 2 of 10 sampled architectures are well-conditioned`);
    const arch = space.sample(rng);
    if (relativeError(measure(arch, 1 + 1e-6), measure(arch, 1)) < tol) archs.push(arch);
  }
  return archs;
}

describe('the tensorflow and wasm backends agree', { skip }, () => {
  after(async () => {
    await initBackend('wasm');
  });

  for (const c of OPS) {
    it(`${c.name}: output and gradients`, async () => {
      const values = c.inputs.map((shape) => rand(count(shape)));
      const r = rand(4096);
      const got = await onEach(() => opAndGrads(c, values, r));
      assertClose(got.tensorflow.y, got.wasm.y, 1e-4, `${c.name} output`);
      assert.equal(got.tensorflow.grads.length, got.wasm.grads.length);
      got.wasm.grads.forEach((g, i) => assertClose(got.tensorflow.grads[i]!, g, 1e-4, `${c.name} gradient of input ${i}`));
    });
  }

  it("max pooling's gradient on tensorflow is oneDNN's, equal to TensorFlow's own MaxPoolGrad, ties included", async () => {
    await initBackend('tensorflow');
    assert.ok(hasKernel(NATIVE_MAX_POOL_GRAD), 'the oneDNN max-pool gradient is not registered on this build');
    const b = tf.backend() as unknown as TensorflowOps;
    for (const [size, stride, pad] of [
      [3, 1, 'same'],
      [3, 2, 'same'],
      [2, 2, 'valid'],
      [3, 2, 'valid'],
    ] as const) {
      for (const ties of [false, true]) {
        const [ours, tensorflows] = tf.tidy(() => {
          const raw = tf.tensor4d(rand(count(x4)), x4 as [number, number, number, number]);
          const x = ties ? tf.round(raw) : raw;
          const y = tf.maxPool(x, size, stride, pad);
          const dy = tf.tensor(rand(y.size), y.shape);
          const own = b.executeSingleOutput(
            'MaxPoolGrad',
            [
              { name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT },
              { name: 'ksize', type: b.binding.TF_ATTR_INT, value: [1, size, size, 1] },
              { name: 'strides', type: b.binding.TF_ATTR_INT, value: [1, stride, stride, 1] },
              { name: 'padding', type: b.binding.TF_ATTR_STRING, value: pad.toUpperCase() },
              { name: 'data_format', type: b.binding.TF_ATTR_STRING, value: 'NHWC' },
            ],
            [x, y, dy],
          );
          const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, size, stride, pad), dy)))(x);
          return [grad.dataSync() as Float32Array, own.dataSync() as Float32Array];
        });
        assertClose(ours, tensorflows, 1e-6, `maxPool ${size} stride ${stride} ${pad}${ties ? ' (ties)' : ''} gradient`);
      }
    }
  });

  it('FusedAdam: the same weights after several steps', async () => {
    const shapes = [[3, 3, 4, 8], [8], [17]];
    const init = shapes.map((s) => rand(count(s)));
    const grads = Array.from({ length: 5 }, () => shapes.map((s) => rand(count(s))));
    const got = await onEach(() => {
      const vars = shapes.map((s, i) => tf.variable(tf.tensor(init[i]!, s)));
      const adam = new FusedAdam(1e-2);
      for (const g of grads) adam.step(vars, g);
      const out = vars.map((v) => v.dataSync() as Float32Array);
      tf.dispose(vars);
      return out;
    });
    got.wasm.forEach((w, i) => assertClose(got.tensorflow[i]!, w, 1e-5, `variable ${i}`));
  });

  const spaces: SearchSpace[] = [
    createSpace('nb201'),
    createSpace({ name: 'enas-micro', blocks: 3, ops: [...MICRO_OPS] }),
    createSpace({ name: 'enas-macro', layers: 6 }),
    createSpace('mnas'),
  ];
  for (const space of spaces) {
    it(`${space.name} child networks: the same loss and gradients from the same seed`, async () => {
      for (const arch of await wellConditioned(space, 1e-3, (a, scale) => lossAndGrads(space, a, scale).grads)) {
        const got = await onEach(() => lossAndGrads(space, arch));
        assertClose([got.tensorflow.loss], [got.wasm.loss], 1e-4, `${space.encode(arch)} loss`);
        // Relative to the network's largest gradient: deep stacks of batch norms make some huge, others round-off.
        assertClose(got.tensorflow.grads, got.wasm.grads, 1e-3, `${space.encode(arch)} gradients`);
      }
    });
    // mnas at this size is chaotic: one Adam step already moves the next loss by about 1 % between cpu and wasm too
    // (its batch norms over 1x1 maps of 8 images); its gradients above are what is compared.
    if (space.name === 'mnas') continue;
    it(`${space.name} child networks: the same losses for 4 steps from the same seed, then the same predictions`, async () => {
      const measure = (a: Architecture, scale: number) => {
        const { losses, logits } = trainChild(space, a, 4, scale);
        return [...losses, ...logits];
      };
      for (const arch of await wellConditioned(space, 1e-3, measure)) {
        const got = await onEach(() => trainChild(space, arch, 4));
        assertClose(got.tensorflow.losses, got.wasm.losses, 1e-3, `${space.encode(arch)} losses`);
        assertClose(got.tensorflow.logits, got.wasm.logits, 1e-3, `${space.encode(arch)} predictions after training`);
      }
    });
  }

  it('the supernet: the same losses and gradient norms for 4 steps from the same seed', async () => {
    const space = new EnasMicroSpace({ blocks: 2, ops: [...MICRO_OPS], channels: 4 });
    const got = await onEach(() => {
      const net = new Supernet(space, { inputShape: [8, 8, 1], classes: 4, channels: 4, stages: 2, seed: 7 });
      const rng = new Rng(9);
      const out: number[] = [];
      for (let s = 0; s < 4; s++) {
        const { loss, norm } = net.step(space.sample(rng), batchOf(rng, 8, [8, 8, 1], 4));
        out.push(loss, norm);
      }
      net.dispose();
      return out;
    });
    assertClose(got.tensorflow, got.wasm, 1e-3, 'supernet losses and norms');
  });

  describe('an exported model', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'nasmesh-parity-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const from of BACKENDS) {
      it(`exported on ${from}: loads and predicts the same on either backend`, async () => {
        const space = createSpace({ name: 'enas-micro', blocks: 3, ops: [...MICRO_OPS] });
        const arch = space.sample(new Rng(4));
        await initBackend(from);
        const { model } = buildChildNetwork(space, arch, SMALL);
        seedKernels(model, new Rng(1));
        const files = await modelFiles(model);
        model.dispose();
        writeFileSync(join(dir, 'model.json'), files['model.json']);
        writeFileSync(join(dir, 'weights.bin'), files['weights.bin']);
        const x = batchOf(new Rng(2), 4, SMALL.inputShape, SMALL.classes).x;
        const got = await onEach(async () => {
          const loaded = await loadModel(dir);
          const y = tf.tidy(() => (loaded.predict(tf.tensor4d(x, [4, ...SMALL.inputShape])) as tf.Tensor).dataSync() as Float32Array);
          loaded.dispose();
          return y;
        });
        assertClose(got.tensorflow, got.wasm, 1e-4, 'predictions');
      });
    }
  });
});
