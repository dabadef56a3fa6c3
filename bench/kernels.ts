/**
 * Convolution-gradient kernels on the wasm backend: forward time, the built-in backprop kernel (where the wasm
 * backend has one; with --cpu also the cpu backend's, for reference) and nasmesh's kernels from src/train/kernels/wasm.
 * Run: node --import tsx bench/kernels.ts [--cpu]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { builtinKernel, registerWasmTrainingKernels } from '../src/train/kernels/wasm/index.js';

type Shape4 = [number, number, number, number];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => tf.Tensor | tf.TensorInfo, reps = 7): number {
  const ts: number[] = [];
  for (let i = 0; i < reps + 2; i++) {
    const t0 = performance.now();
    const out = fn();
    const t = out instanceof tf.Tensor ? out : tf.engine().makeTensorFromTensorInfo(out);
    t.dataSync();
    const dt = performance.now() - t0;
    t.dispose();
    if (i >= 2) ts.push(dt);
  }
  return median(ts);
}

function randn(shape: number[]): tf.Tensor {
  return tf.randomNormal(shape);
}

interface Case {
  label: string;
  depthwise: boolean;
  x: Shape4;
  k: number;
  out: number;
  stride: number;
}

const cases: Case[] = [
  { label: 'conv 64x28x28x16 -> 32, 3x3, s1 same', depthwise: false, x: [64, 28, 28, 16], k: 3, out: 32, stride: 1 },
  { label: 'conv 64x28x28x16 -> 32, 3x3, s2 same', depthwise: false, x: [64, 28, 28, 16], k: 3, out: 32, stride: 2 },
  { label: 'depthwise 64x28x28x32, 3x3, s1 same', depthwise: true, x: [64, 28, 28, 32], k: 3, out: 1, stride: 1 },
  { label: 'depthwise 64x28x28x32, 5x5, s1 same', depthwise: true, x: [64, 28, 28, 32], k: 5, out: 1, stride: 1 },
  { label: 'depthwise 64x28x28x32, 3x3, s2 same', depthwise: true, x: [64, 28, 28, 32], k: 3, out: 1, stride: 2 },
];

function measure(c: Case, which: 'builtin' | 'ours' | 'cpu') {
  const inName = c.depthwise ? 'DepthwiseConv2dNativeBackpropInput' : 'Conv2DBackpropInput';
  const fName = c.depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter';
  const x = randn(c.x) as tf.Tensor4D;
  const w = randn([c.k, c.k, c.x[3], c.out]) as tf.Tensor4D;
  const fwd = () => (c.depthwise ? tf.depthwiseConv2d(x, w, c.stride, 'same') : tf.conv2d(x, w, c.stride, 'same'));
  const y = fwd();
  const dy = randn(y.shape);
  const attrs = { strides: c.stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const res: { fwd: number | null; dx: number | null; dw: number | null } = { fwd: time(fwd), dx: null, dw: null };
  if (which === 'builtin') {
    if (!c.depthwise) {
      res.dx = time(
        () =>
          builtinKernel(inName)({
            inputs: { dy, filter: w },
            backend: tf.backend(),
            attrs: { ...attrs, inputShape: c.x },
          }) as tf.TensorInfo,
      );
    }
  } else {
    const reps = which === 'cpu' ? 1 : 7;
    res.dx = time(() => tf.engine().runKernel(inName, { dy, filter: w }, { ...attrs, inputShape: c.x }) as tf.Tensor, reps);
    res.dw = time(() => tf.engine().runKernel(fName, { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor, reps);
  }
  tf.dispose([x, w, y, dy]);
  return res;
}

const fmt = (v: number | null) => (v === null ? '     -' : v.toFixed(1).padStart(6));
const ratio = (a: number | null, b: number | null) => (a === null || b === null ? '    -' : `${(a / b).toFixed(1)}x`.padStart(5));

await tf.setBackend('wasm');
await tf.ready();
const builtin = cases.map((c) => measure(c, 'builtin'));
registerWasmTrainingKernels();
const ours = cases.map((c) => measure(c, 'ours'));
// The cpu backend's kernels take minutes on these shapes (Conv2DBackpropFilter about 70 s): only with --cpu.
const withCpu = process.argv.includes('--cpu');
if (withCpu) await tf.setBackend('cpu');
const cpu = cases.map((c) => (withCpu ? measure(c, 'cpu') : { fwd: null, dx: null, dw: null }));

console.log('times in ms (median); "builtin" = wasm backend kernel, "cpu" = tfjs cpu backend kernel');
console.log('case                                     wasm-fwd  builtin-dx  ours-dx  speedup |  cpu-dw  ours-dw  speedup | cpu-dx');
cases.forEach((c, i) => {
  const b = builtin[i]!;
  const o = ours[i]!;
  const p = cpu[i]!;
  console.log(
    `${c.label.padEnd(40)} ${fmt(o.fwd)}     ${fmt(b.dx)}   ${fmt(o.dx)}   ${ratio(b.dx, o.dx)} | ${fmt(p.dw)}   ${fmt(o.dw)}   ${ratio(p.dw, o.dw)} | ${fmt(p.dx)}`,
  );
});
