import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/train/kernels/wasm/index.js';
import { seededFloats } from '../support/seeded-floats.js';

type Shape4 = [number, number, number, number];
type PadMode = 'same' | 'valid';

const rand = seededFloats(12345);
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (diff > 1e-3 * Math.max(1, scale) && diff > 1e-3 * Math.abs(expected[i]!)) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]} (scale ${scale})`);
    }
  }
}

interface Case {
  depthwise: boolean;
  x: Shape4;
  k: number;
  out: number; // output channels (regular) or channel multiplier (depthwise)
  stride: number;
  pad: PadMode;
}

/** dx and dw of sum(conv(x, w) * r) on the active backend, through tf.grads (the real training path). */
async function gradsOn(backend: string, c: Case, xd: Float32Array, wd: Float32Array, rd: Float32Array | null) {
  await tf.setBackend(backend);
  const wShape: Shape4 = [c.k, c.k, c.x[3], c.out];
  const conv = (x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D =>
    c.depthwise ? tf.depthwiseConv2d(x, w, c.stride, c.pad) : tf.conv2d(x, w, c.stride, c.pad);
  return tf.tidy(() => {
    const x = tf.tensor4d(xd, c.x);
    const w = tf.tensor4d(wd, wShape);
    const outShape = conv(x, w).shape;
    const r = tf.tensor4d(rd ?? rand(size(outShape)), outShape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, w]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array, r: r.dataSync() as Float32Array };
  });
}

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  registerWasmTrainingKernels();
  await tf.setBackend('cpu');
  await tf.ready();
});

const cases: Case[] = [];
for (const depthwise of [false, true]) {
  for (const k of [1, 3, 5, 7]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        cases.push({ depthwise, x: [2, 9, 8, 3], k, out: depthwise ? 1 : 4, stride, pad });
      }
    }
  }
}
cases.push({ depthwise: true, x: [2, 7, 7, 3], k: 3, out: 2, stride: 1, pad: 'same' });
cases.push({ depthwise: true, x: [2, 8, 9, 2], k: 3, out: 3, stride: 2, pad: 'valid' });
cases.push({ depthwise: false, x: [3, 10, 10, 5], k: 3, out: 6, stride: 2, pad: 'same' });
// Depthwise filter gradient: odd and even column counts per tap, multiplier > 1 with stride 2, more channels.
cases.push({ depthwise: true, x: [2, 7, 10, 5], k: 5, out: 2, stride: 2, pad: 'same' });
cases.push({ depthwise: true, x: [3, 6, 5, 17], k: 3, out: 1, stride: 1, pad: 'valid' });
cases.push({ depthwise: true, x: [1, 4, 4, 2], k: 5, out: 3, stride: 1, pad: 'same' });

describe('wasm convolution gradients match the cpu backend (tf.grads)', () => {
  for (const c of cases) {
    const name = `${c.depthwise ? 'depthwise' : 'conv2d'} x=${c.x.join('x')} k=${c.k} out=${c.out} s=${c.stride} ${c.pad}`;
    it(name, async () => {
      const xd = rand(size(c.x));
      const wd = rand(c.k * c.k * c.x[3] * c.out);
      const ref = await gradsOn('cpu', c, xd, wd, null);
      const got = await gradsOn('wasm', c, xd, wd, ref.r);
      assertClose(got.dx, ref.dx, `${name} dx`);
      assertClose(got.dw, ref.dw, `${name} dw`);
      await tf.setBackend('cpu');
    });
  }
});

/**
 * Dilation: tfjs's gradient functions refuse dilations > 1, so call the kernels directly and compare with the cpu
 * gradient of the equivalent undilated convolution whose filter has zeros inserted between the taps.
 */
describe('wasm convolution gradient kernels with dilation 2', () => {
  for (const depthwise of [false, true]) {
    for (const k of [3, 5]) {
      for (const pad of ['same', 'valid'] as const) {
        const name = `${depthwise ? 'depthwise' : 'conv2d'} k=${k} d=2 ${pad}`;
        it(name, async () => {
          const d = 2;
          const xs: Shape4 = [2, 11, 12, 3];
          const out = depthwise ? 1 : 4;
          const ke = (k - 1) * d + 1;
          const xd = rand(size(xs));
          const wd = rand(k * k * xs[3] * out);
          const we = new Float32Array(ke * ke * xs[3] * out);
          const tap = xs[3] * out;
          for (let i = 0; i < k; i++) {
            for (let j = 0; j < k; j++) we.set(wd.subarray((i * k + j) * tap, (i * k + j + 1) * tap), (i * d * ke + j * d) * tap);
          }
          const ref = await gradsOn('cpu', { depthwise, x: xs, k: ke, out, stride: 1, pad }, xd, we, null);
          const dwRef = new Float32Array(wd.length);
          for (let i = 0; i < k; i++) {
            for (let j = 0; j < k; j++)
              dwRef.set(ref.dw.subarray((i * d * ke + j * d) * tap, (i * d * ke + j * d + 1) * tap), (i * k + j) * tap);
          }
          await tf.setBackend('wasm');
          const got = tf.tidy(() => {
            const x = tf.tensor4d(xd, xs);
            const w = tf.tensor4d(wd, [k, k, xs[3], out]);
            const fwd = depthwise ? tf.depthwiseConv2d(x, w, 1, pad, 'NHWC', d) : tf.conv2d(x, w, 1, pad, 'NHWC', d);
            const dy = tf.tensor4d(ref.r, fwd.shape);
            const attrs = { strides: 1, pad, dilations: d, dataFormat: 'NHWC' };
            const inName = depthwise ? 'DepthwiseConv2dNativeBackpropInput' : 'Conv2DBackpropInput';
            const fName = depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter';
            const dx = tf.engine().runKernel(inName, { dy, filter: w }, { ...attrs, inputShape: xs }) as tf.Tensor;
            const dw = tf.engine().runKernel(fName, { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor;
            return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
          });
          await tf.setBackend('cpu');
          assertClose(got.dx, ref.dx, `${name} dx`);
          assertClose(got.dw, dwRef, `${name} dw`);
        });
      }
    }
  }
});
