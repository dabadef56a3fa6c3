/**
 * The two native backends nasmesh builds from PyPI's TensorFlow wheels: the CPU one for `make deps` and the CPU
 * image, the GPU one for the GPU image. Both build tfjs-node's addon against the wheel's C library; the GPU one also
 * takes the CUDA 12 runtime libraries from the `nvidia-*-cu12` wheels that the tensorflow wheel's `and-cuda` extra
 * names (cuda-libraries.ts).
 */
export const VARIANTS = {
  cpu: { wheel: 'tensorflow-cpu', npmPackage: '@tensorflow/tfjs-node', cuda: false },
  gpu: { wheel: 'tensorflow', npmPackage: '@tensorflow/tfjs-node-gpu', cuda: true },
} as const;

export type VariantName = keyof typeof VARIANTS;
export type Variant = (typeof VARIANTS)[VariantName];

/** The TensorFlow release whose libraries and headers back the addon (the CPU and GPU wheels of one release). */
export const TENSORFLOW_VERSION = '2.21.0';

export function isVariantName(name: string): name is VariantName {
  return Object.hasOwn(VARIANTS, name);
}
