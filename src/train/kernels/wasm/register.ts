import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilter, conv2DBackpropInput, depthwiseBackpropFilter, depthwiseBackpropInput } from './conv-backprop.js';
import { registerFusedBatchNormGrad } from './batchnorm-grad.js';
import { avgPoolGrad, maxPoolGrad } from './pool-grad.js';
import { rememberBuiltin } from './wasm-helpers.js';

export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'MaxPoolGrad',
  'AvgPoolGrad',
] as const;

const impls: Record<(typeof WASM_TRAINING_KERNELS)[number], unknown> = {
  Conv2DBackpropInput: conv2DBackpropInput,
  Conv2DBackpropFilter: conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  MaxPoolGrad: maxPoolGrad,
  AvgPoolGrad: avgPoolGrad,
};

let registered = false;

/**
 * Registers nasmesh's convolution-gradient kernels for the wasm backend, replacing its slow Conv2DBackpropInput and
 * adding the three it lacks, and faster (and, for average pooling, exact) pooling gradients. Call after the wasm backend is initialised (so its built-in kernels' setup has run;
 * the built-in Conv2DBackpropInput stays reachable through builtinKernel for benchmarks), and a tile-free
 * FusedBatchNorm gradient. Idempotent.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const name of WASM_TRAINING_KERNELS) {
    rememberBuiltin(name);
    if (tf.getKernel(name, 'wasm') !== undefined) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: impls[name] as tf.KernelFunc });
  }
  // tfjs-core's FusedBatchNorm gradient tiles per-channel vectors to the activation's shape, and the wasm Tile
  // kernel is very slow; ours broadcasts instead (same values, registered for every backend).
  registerFusedBatchNormGrad();
  registered = true;
}
