import * as tf from '@tensorflow/tfjs';
import { pair } from '../wasm/wasm-helpers.js';

/**
 * The filter gradient of a depthwise convolution wider than 3x3 over more than 16 channels, on the `tensorflow`
 * backend, through TensorFlow's own kernel instead of oneDNN's. oneDNN 3.7 has a direct depthwise kernel for the 3x3
 * filter gradient only and takes 5x5 through its generic grouped convolution, channels in blocks of 16: measured on
 * an AMD EPYC (AVX2, one thread), TensorFlow's kernel is faster on every 5x5 input of 32 and 64 channels tried (3.75
 * against 0.58 ms on [64, 4, 4, 64], 0.88 against 0.61 on [64, 14, 14, 32] at stride 2), while at 16 channels
 * oneDNN's is level or faster (1.41 against 1.70 ms on [64, 14, 14, 16]). TensorFlow's eager oneDNN rewrite leaves
 * explicit padding alone, so this call passes its 'same' or 'valid' pads as explicit ones and gets TensorFlow's kernel,
 * with oneDNN kept for everything else. The sums run in another order: results agree to about 1e-6 relative.
 */

const MAX_ONEDNN_CHANNELS = 16;

interface FilterGradAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
  filterShape: [number, number, number, number];
}

interface NodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_STRING: number; TF_ATTR_INT: number; TF_FLOAT: number };
  isUsingGpuDevice: boolean;
  executeSingleOutput(name: string, attrs: { name: string; type: number; value: unknown }[], inputs: tf.TensorInfo[]): tf.Tensor;
}

function takesTensorflowKernel(x: tf.TensorInfo, attrs: FilterGradAttrs): boolean {
  const [kh, kw] = attrs.filterShape;
  const [dh, dw] = pair(attrs.dilations);
  const padded = attrs.pad === 'same' || attrs.pad === 'valid';
  return kh * kw > 9 && x.shape[3]! > MAX_ONEDNN_CHANNELS && dh === 1 && dw === 1 && padded;
}

/** Wraps the `tensorflow` backend's DepthwiseConv2dNativeBackpropFilter kernel (once its backend is registered). */
export function registerDepthwiseFilterGrad(): void {
  const original = tf.getKernel(tf.DepthwiseConv2dNativeBackpropFilter, 'tensorflow');
  if (!original) return;
  tf.unregisterKernel(tf.DepthwiseConv2dNativeBackpropFilter, 'tensorflow');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const b = args.backend as unknown as NodeBackend;
      const { x, dy } = args.inputs;
      const attrs = args.attrs as unknown as FilterGradAttrs;
      // On a GPU the explicit form would leave cuDNN's kernel for no measured gain.
      if (b.isUsingGpuDevice || !takesTensorflowKernel(x!, attrs)) return original.kernelFunc(args);
      const info = tf.backend_util.computeConv2DInfo(
        x!.shape as [number, number, number, number],
        attrs.filterShape,
        attrs.strides,
        1,
        attrs.pad,
        attrs.dimRoundingMode,
        true,
      );
      const { top, bottom, left, right } = info.padInfo;
      const int = (name: string, value: number[]) => ({ name, type: b.binding.TF_ATTR_INT, value });
      const filterSizes = tf.tensor1d(attrs.filterShape, 'int32');
      try {
        return b.executeSingleOutput(
          tf.DepthwiseConv2dNativeBackpropFilter,
          [
            { name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT },
            int('strides', [1, info.strideHeight, info.strideWidth, 1]),
            { name: 'padding', type: b.binding.TF_ATTR_STRING, value: 'EXPLICIT' },
            int('explicit_paddings', [0, 0, top, bottom, left, right, 0, 0]),
            { name: 'data_format', type: b.binding.TF_ATTR_STRING, value: 'NHWC' },
            int('dilations', [1, 1, 1, 1]),
          ],
          [x!, filterSizes, dy!],
        );
      } finally {
        filterSizes.dispose();
      }
    },
  });
}
