export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './register.js';
export { builtinKernel } from './wasm-helpers.js';
