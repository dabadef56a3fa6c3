import { parentPort, workerData } from 'node:worker_threads';
import { createStrategy } from '../controller/registry.js';
import { createSpace } from '../space/registry.js';
import { initBackend } from '../tf/backend.js';
import { runSearch } from './run-search.js';
import { BenchmarkTable } from './table.js';
import type { BenchConfig, BenchJob, BenchJobResult } from './types.js';

/** A benchmark worker thread: its own tfjs backend and table copy; runs the (algorithm, seed) jobs it is sent. */
const config = workerData as BenchConfig;
await initBackend(config.backend);
const space = createSpace(config.space);
const table = BenchmarkTable.load(config.table, space);

parentPort!.on('message', (job: BenchJob | null) => {
  if (job === null) {
    process.exit(0);
  }
  const strategy = createStrategy(job.algorithm.strategy, space, job.algorithm.options, job.seed);
  try {
    const trace = runSearch(strategy, table, config.queries, config.parallel);
    const result: BenchJobResult = { index: job.index, ...trace };
    parentPort!.postMessage(result);
  } finally {
    strategy.dispose();
  }
});
parentPort!.postMessage('ready');
