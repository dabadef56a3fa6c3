import { setupTensorflowCpu } from './setup.js';

/**
 * `make deps` step: the native TensorFlow backend from PyPI's tensorflow-cpu wheel. Optional: it exits 0 whatever
 * happens, and where a step fails it prints one line saying why (the project then trains on wasm).
 * Environment: NASMESH_TENSORFLOW_CACHE (the libraries' cache folder), NASMESH_TENSORFLOW_WHEELS (find the wheel
 * only in this folder).
 */
const started = performance.now();
const result = await setupTensorflowCpu({ wheels: process.env.NASMESH_TENSORFLOW_WHEELS });
const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
if (result.ok) console.log(`tensorflow-cpu: native backend ready: ${result.detail} (${took})`);
else console.log(`tensorflow-cpu: native backend not available, nasmesh uses wasm: ${result.reason}`);
