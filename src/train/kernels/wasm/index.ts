export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './register.js';
export { builtinKernel } from './wasm-helpers.js';
export { originalFusedBatchNormGrad, makeFusedBatchNormGrad, registerFusedBatchNormGrad } from './batchnorm-grad.js';
