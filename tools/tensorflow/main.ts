import { setupTensorflow } from './setup.js';
import { isVariantName, VARIANTS } from './variants.js';

/**
 * `node --import tsx tools/tensorflow/main.ts [cpu|gpu]`: the native TensorFlow backend from PyPI's wheels, `cpu`
 * (default; `make deps`) or `gpu` (the GPU image). `make deps` treats it as optional: where a step fails it prints one
 * line saying why (the project then trains on wasm); the exit status is 1 then, which the image build needs.
 * Environment: NASMESH_TENSORFLOW_CACHE (the libraries' cache folder), NASMESH_TENSORFLOW_WHEELS (find the wheels
 * only in this folder).
 */
const variant = process.argv[2] ?? 'cpu';
if (!isVariantName(variant)) {
  console.error(`tensorflow: unknown variant '${variant}' (allowed: ${Object.keys(VARIANTS).join(', ')})`);
  process.exit(2);
}
const { wheel } = VARIANTS[variant];
const started = performance.now();
const result = await setupTensorflow({ variant, wheels: process.env.NASMESH_TENSORFLOW_WHEELS });
const took = `${((performance.now() - started) / 1000).toFixed(1)} s`;
if (result.ok) console.log(`${wheel}: native backend ready: ${result.detail} (${took})`);
else console.log(`${wheel}: native backend not available, nasmesh uses wasm: ${result.reason}`);
process.exitCode = result.ok ? 0 : 1;
