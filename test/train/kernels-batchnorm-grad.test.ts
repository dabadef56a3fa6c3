import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  makeFusedBatchNormGrad,
  originalFusedBatchNormGrad,
  registerFusedBatchNormGrad,
  registerWasmTrainingKernels,
} from '../../src/train/kernels/wasm/index.js';

let seed = 777;
function rand(size: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[i] = lo + ((hi - lo) * seed) / 2 ** 32;
  }
  return a;
}

function assertClose(actual: Float32Array, expected: Float32Array, label: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (diff > tol * Math.max(1, scale)) assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

type Shape4 = [number, number, number, number];

/**
 * Gradients of sum(bn(x) * r) w.r.t. x, gamma, beta through training-mode batch norm as tfjs-layers runs it
 * (moments over N, H, W, then batchNorm4d with the batch statistics, so the mean/variance partials are used too).
 */
function trainingBnGrads(shape: Shape4, xd: Float32Array, gd: Float32Array | null, bd: Float32Array, rd: Float32Array) {
  return tf.tidy(() => {
    const c = shape[3];
    const x = tf.tensor4d(xd, shape);
    const gamma = tf.tensor1d(gd ?? new Float32Array(c).fill(1));
    const beta = tf.tensor1d(bd);
    const r = tf.tensor4d(rd, shape);
    const f = (a: tf.Tensor, b: tf.Tensor, g?: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      const y = tf.batchNorm4d(
        a as tf.Tensor4D,
        mean as tf.Tensor1D,
        variance as tf.Tensor1D,
        b as tf.Tensor1D,
        g as tf.Tensor1D | undefined,
        1e-3,
      );
      return tf.sum(tf.mul(y, r));
    };
    const args = gd === null ? [x, beta] : [x, beta, gamma];
    const grads = tf.grads((...ts: tf.Tensor[]) => f(ts[0]!, ts[1]!, ts[2]))(args);
    // [dx, dbeta, dgamma] (dgamma absent without scale)
    return grads.map((t) => t.dataSync() as Float32Array);
  });
}

const shapes: Shape4[] = [
  [2, 5, 4, 3],
  [4, 3, 3, 8],
  [1, 7, 6, 16],
];

describe('tile-free FusedBatchNorm gradient', () => {
  before(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });
  after(() => registerFusedBatchNormGrad());

  // (Without scale, tf.grads through batchNorm fails inside tfjs itself, with either gradient; the partials test
  // below covers that case.)
  for (const shape of shapes) {
    for (const withScale of [true]) {
      it(`matches tfjs-core's through training-mode batch norm, x=${shape.join('x')}${withScale ? '' : ', no scale'}`, () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const c = shape[3];
        const xd = rand(n, -2, 3);
        const gd = withScale ? rand(c, 0.5, 1.5) : null;
        const bd = rand(c);
        const rd = rand(n);
        tf.registerGradient(originalFusedBatchNormGrad());
        const ref = trainingBnGrads(shape, xd, gd, bd, rd);
        registerFusedBatchNormGrad();
        const got = trainingBnGrads(shape, xd, gd, bd, rd);
        assert.equal(got.length, ref.length);
        for (const [i, name] of ['x', 'beta', 'gamma'].slice(0, ref.length).entries()) assertClose(got[i]!, ref[i]!, name);
      });
    }
  }

  for (const withScale of [true, false]) {
    it(`gives every partial (x, mean, variance, scale, offset) equal to tfjs-core${withScale ? '' : ', no scale'}`, () => {
      const shape: Shape4 = [3, 4, 5, 6];
      const n = shape.reduce((a, b) => a * b, 1);
      tf.tidy(() => {
        const x = tf.tensor4d(rand(n, -1, 2), shape);
        const dy = tf.tensor4d(rand(n), shape);
        const mean = tf.tensor1d(rand(6));
        const variance = tf.tensor1d(rand(6, 0.1, 2));
        const scale = withScale ? tf.tensor1d(rand(6, 0.5, 2)) : undefined;
        const attrs = { varianceEpsilon: 1e-3 } as unknown as tf.NamedAttrMap;
        const orig = originalFusedBatchNormGrad().gradFunc;
        const saved = [x, mean, variance, scale] as tf.Tensor[];
        const ref = orig(dy, saved, attrs);
        const got = makeFusedBatchNormGrad(orig)(dy, saved, attrs);
        for (const k of ['x', 'mean', 'variance', 'scale', 'offset']) {
          const a = got[k]!();
          const b = ref[k]!();
          assert.deepEqual(a.shape, b.shape, `${k}: shape`);
          assertClose(a.dataSync() as Float32Array, b.dataSync() as Float32Array, k);
        }
      });
    });
  }

  it('agrees between wasm and cpu after registerWasmTrainingKernels', async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerWasmTrainingKernels();
    const shape: Shape4 = [2, 6, 6, 8];
    const n = shape.reduce((a, b) => a * b, 1);
    const xd = rand(n, -2, 3);
    const gd = rand(8, 0.5, 1.5);
    const bd = rand(8);
    const rd = rand(n);
    const got = trainingBnGrads(shape, xd, gd, bd, rd);
    await tf.setBackend('cpu');
    tf.registerGradient(originalFusedBatchNormGrad());
    const ref = trainingBnGrads(shape, xd, gd, bd, rd);
    registerFusedBatchNormGrad();
    for (const [i, name] of ['x', 'beta', 'gamma'].slice(0, ref.length).entries()) assertClose(got[i]!, ref[i]!, name, 1e-3);
  });
});
