import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/train/kernels/wasm/index.js';

type Shape4 = [number, number, number, number];
type Mode = 'max' | 'avg';

let seed = 4242;
function rand(size: number): Float32Array {
  const a = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[i] = seed / 2 ** 32 - 0.5;
  }
  return a;
}

function pool(mode: Mode, x: tf.Tensor4D, k: number, s: number, pad: 'same' | 'valid'): tf.Tensor4D {
  return mode === 'max' ? tf.maxPool(x, k, s, pad) : tf.avgPool(x, k, s, pad);
}

/** d/dx sum(pool(x) * r) on the given backend. */
async function grad(
  backend: string,
  mode: Mode,
  shape: Shape4,
  xd: Float32Array,
  rd: Float32Array,
  k: number,
  s: number,
  pad: 'same' | 'valid',
) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const r = tf.tensor(rd, pool(mode, tf.zeros(shape), k, s, pad).shape);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(pool(mode, x as tf.Tensor4D, k, s, pad), r)))(tf.tensor4d(xd, shape));
    return g.dataSync() as Float32Array;
  });
}

/** The exact gradient of the (linear) average pool: dx_i = sum(pool(e_i) * r), computed on the cpu backend. */
async function avgGradByUnitVectors(shape: Shape4, rd: Float32Array, k: number, s: number, pad: 'same' | 'valid') {
  await tf.setBackend('cpu');
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  tf.tidy(() => {
    const r = tf.tensor(rd, pool('avg', tf.zeros(shape), k, s, pad).shape);
    for (let i = 0; i < n; i++) {
      const e = new Float32Array(n);
      e[i] = 1;
      out[i] = tf.sum(tf.mul(pool('avg', tf.tensor4d(e, shape), k, s, pad), r)).dataSync()[0]!;
    }
  });
  return out;
}

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > 1e-5) assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmTrainingKernels();
});

const cases: { shape: Shape4; k: number; s: number; pad: 'same' | 'valid' }[] = [];
for (const k of [2, 3])
  for (const s of [1, 2]) for (const pad of ['same', 'valid'] as const) cases.push({ shape: [2, 7, 6, 3], k, s, pad });
cases.push({ shape: [1, 5, 5, 17], k: 3, s: 1, pad: 'same' });

describe('wasm pooling gradients', () => {
  for (const { shape, k, s, pad } of cases) {
    const name = `x=${shape.join('x')} k=${k} s=${s} ${pad}`;
    const outShape = () => pool('max', tf.zeros(shape), k, s, pad).shape;
    it(`max pool matches the cpu backend: ${name}`, async () => {
      const xd = rand(shape.reduce((a, b) => a * b, 1));
      await tf.setBackend('cpu');
      const rd = rand(tf.tidy(() => outShape()).reduce((a, b) => a * b, 1));
      assertClose(await grad('wasm', 'max', shape, xd, rd, k, s, pad), await grad('cpu', 'max', shape, xd, rd, k, s, pad), name);
    });
    it(`average pool is the exact gradient: ${name}`, async () => {
      const xd = rand(shape.reduce((a, b) => a * b, 1));
      await tf.setBackend('cpu');
      const rd = rand(tf.tidy(() => outShape()).reduce((a, b) => a * b, 1));
      assertClose(await grad('wasm', 'avg', shape, xd, rd, k, s, pad), await avgGradByUnitVectors(shape, rd, k, s, pad), name);
    });
  }
});
