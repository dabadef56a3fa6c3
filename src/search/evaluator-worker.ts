import { parentPort, workerData } from 'node:worker_threads';
import { loadDataset } from '../data/load.js';
import { createSpace } from '../space/registry.js';
import { initBackend } from '../tf/backend.js';
import { datasetNetwork } from '../train/dataset-network.js';
import type { TrainingProgress } from '../train/fit.js';
import { StandaloneEvaluator } from './standalone-evaluator.js';
import type { PoolJob, PoolMessage, PoolResult, PoolSetup } from './evaluator-pool.js';

/** A standalone-evaluation worker thread: its own tfjs backend and dataset copy; trains the candidates it is sent. */
const setup = workerData as PoolSetup;
await initBackend(setup.backend);
const space = createSpace(setup.space);
const data = await loadDataset(setup.dataset, setup.dataOptions);
const post = (m: PoolMessage) => parentPort!.postMessage(m);
const evaluator = new StandaloneEvaluator(space, data, datasetNetwork(data, setup.network), setup.options, setup.seed);

parentPort!.on('message', async (job: PoolJob | null) => {
  if (job === null) process.exit(0);
  let result: PoolResult;
  try {
    const onProgress = job.progress ? (progress: TrainingProgress) => post({ id: job.id, progress }) : undefined;
    result = { id: job.id, evaluation: await evaluator.evaluate(job.arch, onProgress) };
  } catch (e) {
    result = { id: job.id, error: (e as Error).message };
  }
  post(result);
});
post('ready');
