import * as tf from '@tensorflow/tfjs';
import { pair } from '../wasm/wasm-helpers.js';

/**
 * The filter gradient of a strided 1x1 convolution on the `tensorflow` backend, taken at stride 1 over the positions
 * the stride reads. oneDNN's AVX2 kernel for it (TensorFlow 2.21's Conv2DBackpropFilter with oneDNN on, as nasmesh
 * sets it) corrupts the heap on narrow inputs: measured at stride 2 on an AMD EPYC without AVX-512, 1 to 6 input
 * channels at heights 8, 14 and 28 crash the process within 50 calls; 7 and more channels, height 7, and strides 3
 * and 4 did not. A 1x1 filter reads only every stride-th row and column, so the gradient over that strided slice at
 * stride 1 is the same sum; it is taken for every input under 8 channels, a margin over the measured 7. Wider inputs
 * keep TensorFlow's kernel.
 */

const MIN_CHANNELS = 8;

interface FilterGradAttrs {
  strides: number | [number, number];
  pad: unknown;
  dataFormat: string;
  dilations?: number | [number, number];
  filterShape: [number, number, number, number];
}

/** Whether the call is one oneDNN's kernel mishandles and the stride-1 form computes exactly. */
function needsWorkaround(x: tf.TensorInfo, attrs: FilterGradAttrs): boolean {
  const [kh, kw] = attrs.filterShape;
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations);
  // 'same' and 'valid' pad a 1x1 filter by nothing; explicit padding would shift the positions.
  const unpadded = attrs.pad === 'same' || attrs.pad === 'valid' || attrs.pad === 0;
  return (
    kh === 1 &&
    kw === 1 &&
    (sh > 1 || sw > 1) &&
    dh === 1 &&
    dw === 1 &&
    unpadded &&
    attrs.dataFormat === 'NHWC' &&
    x.shape[3]! < MIN_CHANNELS
  );
}

/** Wraps the `tensorflow` backend's Conv2DBackpropFilter kernel (once its backend is registered). */
export function registerPointwiseFilterGrad(): void {
  const original = tf.getKernel(tf.Conv2DBackpropFilter, 'tensorflow');
  const stridedSlice = tf.getKernel(tf.StridedSlice, 'tensorflow');
  if (!original || !stridedSlice) return;
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'tensorflow');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      const attrs = args.attrs as unknown as FilterGradAttrs;
      if (!needsWorkaround(x, attrs)) return original.kernelFunc(args);
      const [sh, sw] = pair(attrs.strides);
      return tf.tidy(() => {
        const masks = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 };
        const read = stridedSlice.kernelFunc({
          inputs: { x },
          backend: args.backend,
          attrs: { begin: [0, 0, 0, 0], end: x.shape, strides: [1, sh, sw, 1], ...masks },
        }) as tf.Tensor;
        return original.kernelFunc({
          ...args,
          inputs: { ...args.inputs, x: read },
          attrs: { ...args.attrs, strides: 1, pad: 'valid' },
        }) as tf.Tensor;
      });
    },
  });
}
