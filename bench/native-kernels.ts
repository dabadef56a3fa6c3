/**
 * Depthwise-convolution kernels on the native `tensorflow` backend at enas-micro's shapes (batch 64): forward, input
 * gradient and filter gradient for 3x3 and 5x5 filters, median of 20 runs, one intra-op thread. Shows where the
 * 5x5 filter gradient falls off oneDNN's direct depthwise kernel (README, "Backend"); with ONEDNN_VERBOSE=1 oneDNN
 * names the implementation of each call, and TF_ENABLE_ONEDNN_OPTS=0 times TensorFlow's own kernels instead.
 * Run: npm run bench:native-kernels
 */
import { configureTensorflow, initBackend, tf } from '../src/tf/backend.js';

configureTensorflow(1);
if ((await initBackend('tensorflow')) !== 'tensorflow') throw new Error('the native tensorflow backend is needed (make deps)');

function median(fn: () => tf.Tensor, reps = 20): number {
  const ms: number[] = [];
  for (let i = 0; i < reps + 3; i++) {
    const t0 = performance.now();
    // tfjs-node runs each op synchronously; reading the result back would time a copy of it too.
    fn().dispose();
    if (i >= 3) ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
}

const CASES: [height: number, channels: number, stride: 1 | 2][] = [
  [28, 16, 1],
  [14, 32, 1],
  [28, 32, 2],
];
console.log('input, stride       kernel  forward ms  input grad ms  filter grad ms');
for (const [h, c, stride] of CASES) {
  for (const k of [3, 5]) {
    const x = tf.randomNormal([64, h, h, c]) as tf.Tensor4D;
    const w = tf.randomNormal([k, k, c, 1]) as tf.Tensor4D;
    const dy = tf.randomNormal([64, h / stride, h / stride, c]) as tf.Tensor4D;
    const attrs = { strides: [stride, stride], pad: 'same', dilations: [1, 1] };
    const forward = median(() => tf.depthwiseConv2d(x, w, stride, 'same'));
    const input = median(
      () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor,
    );
    const filter = median(
      () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor,
    );
    const label = `[64, ${h}, ${h}, ${c}] s${stride}`.padEnd(20);
    console.log(
      `${label}${`${k}x${k}`.padEnd(8)}${forward.toFixed(2).padStart(10)}${input.toFixed(2).padStart(15)}${filter.toFixed(2).padStart(16)}`,
    );
    tf.dispose([x, w, dy]);
  }
}
