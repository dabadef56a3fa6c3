import * as tf from '@tensorflow/tfjs';
import { registerDepthwiseFilterGrad } from './depthwise-filter-grad.js';
import { registerPointwiseFilterGrad } from './pointwise-filter-grad.js';

/**
 * Kernels for the `tensorflow` backend (tfjs-node) that run one TensorFlow op where tfjs composes several: ReLU's
 * gradient (tfjs: Step, built from Greater/Fill/Select, then Multiply) and batch norm in training with its gradient
 * (tfjs: moments, the normalisation and their gradients, about 30 ops per layer; TensorFlow: FusedBatchNormV3 and
 * FusedBatchNormGradV3). On enas-micro's many small layers those composed element-wise ops were most of a step.
 * And max pooling's gradient through oneDNN (below), a way around a oneDNN bug (pointwise-filter-grad.ts), and
 * TensorFlow's own kernel for wide depthwise filter gradients where oneDNN's is slow (depthwise-filter-grad.ts). Other
 * backends have no such kernels; the callers (relu-grad.ts, batch-norm.ts, max-pool-grad.ts) then use tfjs's own.
 */

export const NATIVE_RELU_GRAD = 'NasmeshNativeReluGrad';
export const NATIVE_BATCH_NORM = 'NasmeshNativeBatchNormTraining';
export const NATIVE_BATCH_NORM_GRAD = 'NasmeshNativeBatchNormTrainingGrad';
export const NATIVE_MAX_POOL_GRAD = 'NasmeshNativeMaxPoolGrad';

/** Attributes of NATIVE_MAX_POOL_GRAD: square or [height, width] windows and strides, NHWC. */
interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same';
}

/** What tfjs-node's NodeJSKernelBackend offers for running a TensorFlow op by name (its `binding` constants included). */
interface OpAttr {
  name: string;
  type: number;
  value: number | number[] | string | boolean;
}
interface NodeBackend {
  binding: {
    TF_ATTR_TYPE: number;
    TF_ATTR_FLOAT: number;
    TF_ATTR_STRING: number;
    TF_ATTR_BOOL: number;
    TF_ATTR_INT: number;
    TF_FLOAT: number;
  };
  isUsingGpuDevice: boolean;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[], numOutputs: number): tf.Tensor[];
}

const floatType = (b: NodeBackend, name: string): OpAttr => ({ name, type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT });

/** Batch-norm attributes shared by the forward op and its gradient: NHWC, batch statistics. */
function batchNormAttrs(b: NodeBackend, epsilon: number): OpAttr[] {
  return [
    floatType(b, 'T'),
    floatType(b, 'U'),
    { name: 'epsilon', type: b.binding.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: b.binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: b.binding.TF_ATTR_BOOL, value: true },
  ];
}

/**
 * oneDNN's max pooling, forward with its workspace (each output's position in its window) and the gradient that
 * scatters through it. TensorFlow's own MaxPoolGrad searches every window again, without vector code: 4.4 of a
 * reference-cnn step's 35 ms on one thread. These `_MklNative` ops are the ones TensorFlow's oneDNN graph rewrite
 * uses; eager execution reaches them by their kernel label. The workspace is TensorFlow's uint8 (tfjs labels it int32;
 * it never leaves TensorFlow).
 */
function maxPoolAttrs(b: NodeBackend, { filterSize, strides, pad }: MaxPoolGradAttrs): OpAttr[] {
  const nhwc = (v: number | [number, number]) => (typeof v === 'number' ? [1, v, v, 1] : [1, ...v, 1]);
  return [
    floatType(b, 'T'),
    { name: 'ksize', type: b.binding.TF_ATTR_INT, value: nhwc(filterSize) },
    { name: 'strides', type: b.binding.TF_ATTR_INT, value: nhwc(strides) },
    { name: 'padding', type: b.binding.TF_ATTR_STRING, value: pad.toUpperCase() },
    { name: 'data_format', type: b.binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'workspace_enabled', type: b.binding.TF_ATTR_BOOL, value: true },
    { name: '_kernel', type: b.binding.TF_ATTR_STRING, value: 'MklNameChangeOp' },
  ];
}

function oneDnnMaxPoolGrad(b: NodeBackend, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: MaxPoolGradAttrs): tf.Tensor {
  const opAttrs = maxPoolAttrs(b, attrs);
  const [y, workspace] = b.executeMultipleOutputs('_MklNativeMaxPool', opAttrs, [x], 2);
  try {
    return b.executeSingleOutput('_MklNativeMaxPoolGrad', opAttrs, [x, y!, dy, workspace!]);
  } finally {
    tf.dispose([y!, workspace!]);
  }
}

/**
 * Whether oneDNN's max pooling runs here: libtensorflow built with oneDNN (x86 tensorflow-cpu wheels are; other
 * builds may lack the ops) on the CPU. On a GPU device the ops would pull every pooled tensor back to the host.
 */
function oneDnnMaxPoolAvailable(b: NodeBackend): boolean {
  if (b.isUsingGpuDevice) return false;
  try {
    tf.tidy(() =>
      oneDnnMaxPoolGrad(b, tf.ones([1, 2, 2, 1]), tf.ones([1, 1, 1, 1]), { filterSize: 2, strides: 2, pad: 'valid' }).dataSync(),
    );
    return true;
  } catch {
    return false;
  }
}

let registered = false;

/** Registers the kernels for the `tensorflow` backend. Idempotent. */
export function registerTensorflowKernels(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: NATIVE_RELU_GRAD,
    backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as unknown as NodeBackend;
      return b.executeSingleOutput('ReluGrad', [floatType(b, 'T')], [inputs.dy!, inputs.x!]);
    },
  });
  // Outputs: y, batch mean, batch variance (TensorFlow's is Bessel-corrected), and the three reserve spaces the
  // gradient op takes (their layout is TensorFlow's own, oneDNN's where it rewrote the op).
  tf.registerKernel({
    kernelName: NATIVE_BATCH_NORM,
    backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as NodeBackend;
      const empty = tf.tensor1d([]);
      try {
        const outs = b.executeMultipleOutputs(
          'FusedBatchNormV3',
          [
            ...batchNormAttrs(b, (attrs as { epsilon: number }).epsilon),
            { name: 'exponential_avg_factor', type: b.binding.TF_ATTR_FLOAT, value: 1 },
          ],
          [inputs.x!, inputs.scale!, inputs.offset!, empty, empty],
          6,
        );
        return outs;
      } finally {
        empty.dispose();
      }
    },
  });
  tf.registerKernel({
    kernelName: NATIVE_BATCH_NORM_GRAD,
    backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as NodeBackend;
      const { dy, x, scale, reserve1, reserve2, reserve3 } = inputs;
      const outs = b.executeMultipleOutputs(
        'FusedBatchNormGradV3',
        batchNormAttrs(b, (attrs as { epsilon: number }).epsilon),
        [dy!, x!, scale!, reserve1!, reserve2!, reserve3!],
        5,
      );
      // dx, dscale, doffset; the last two outputs are unused placeholders.
      tf.dispose(outs.slice(3));
      return outs.slice(0, 3);
    },
  });
  const b = tf.backend() as unknown as NodeBackend;
  if (oneDnnMaxPoolAvailable(b)) {
    tf.registerKernel({
      kernelName: NATIVE_MAX_POOL_GRAD,
      backendName: 'tensorflow',
      kernelFunc: ({ inputs, backend, attrs }) =>
        oneDnnMaxPoolGrad(backend as unknown as NodeBackend, inputs.x!, inputs.dy!, attrs as unknown as MaxPoolGradAttrs),
    });
  }
  registerPointwiseFilterGrad();
  registerDepthwiseFilterGrad();
  registered = true;
}

/** Whether the active backend has `kernel`. */
export function hasKernel(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) !== undefined;
}
