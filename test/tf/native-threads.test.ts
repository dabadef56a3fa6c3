import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { initBackend } from '../../src/tf/backend.js';

/**
 * Worker threads on the native backend: the data-parallel replicas of the final stage and the standalone
 * evaluators' pool each run TensorFlow ops in their own thread of one process. tfjs-node's binding, as published,
 * registers op attribute names in a process-wide set without a lock, and threads starting at once crashed the
 * process in about half of the runs (tools/tensorflow/thread-safe-binding.ts). Each run here is a fresh process
 * whose four workers train a small convolutional network from the same moment: every attribute name is new to the
 * set, the window in which the unpatched binding crashed.
 */

const native = await initBackend('tensorflow')
  .then(() => true as const)
  .catch((err: unknown) => (err as Error).message);
await initBackend('wasm');
const skip = native === true ? false : `native TensorFlow backend not available (${native}); \`make deps\` builds it`;

const RUNS = 8;
const WORKERS = 4;

const tfjsNode = createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');

/** One process: WORKERS threads, released together, each fitting a conv net on random data for two batches. */
const script = `
const { Worker } = require('node:worker_threads');
const workerCode = \`
  const { parentPort, workerData } = require('node:worker_threads');
  const tf = require(workerData.tfjsNode);
  parentPort.once('message', async () => {
    const model = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 8, kernelSize: 3, padding: 'same' }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.depthwiseConv2d({ kernelSize: 5, padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ] });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([16, 12, 12, 3]);
    const y = tf.oneHot(tf.randomUniform([16], 0, 4, 'int32'), 4);
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    parentPort.postMessage(tf.getBackend());
  });
  parentPort.postMessage('ready');
\`;
const workers = Array.from({ length: ${WORKERS} }, () => new Worker(workerCode, { eval: true, workerData: { tfjsNode: ${JSON.stringify(tfjsNode)} } }));
let ready = 0;
const backends = [];
for (const w of workers) {
  w.on('error', (e) => { console.error(e); process.exit(2); });
  w.on('message', (m) => {
    if (m === 'ready' && ++ready === workers.length) for (const v of workers) v.postMessage('go');
    else if (m !== 'ready' && backends.push(m) === workers.length) { console.log(backends.join(',')); process.exit(0); }
  });
}
`;

describe('the native backend in worker threads', { skip }, () => {
  it(`${RUNS} fresh processes of ${WORKERS} workers training at once all finish`, () => {
    for (let run = 1; run <= RUNS; run++) {
      const out = spawnSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
        timeout: 120_000,
      });
      assert.equal(out.signal, null, `run ${run} was killed by ${out.signal} (a crash in the native binding)`);
      assert.equal(out.status, 0, `run ${run} exited with ${out.status}: ${out.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      assert.equal(out.stdout.trim(), Array(WORKERS).fill('tensorflow').join(','), `run ${run}`);
    }
  });
});
