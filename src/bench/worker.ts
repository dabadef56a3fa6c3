import { parentPort, workerData } from 'node:worker_threads';
import { createStrategy } from '../strategy/registry.js';
import { createSpace } from '../space/registry.js';
import { initBackend } from '../tf/backend.js';
import { ORACLE_PROTOCOL, runSearch } from './run-search.js';
import { LatencyConstraint } from './latency-constraint.js';
import { BenchmarkTable } from './table.js';
import type { Strategy } from '../strategy/types.js';
import type { BenchConfig, BenchJob, BenchJobFailure, BenchJobResult } from './types.js';

/** A benchmark worker thread: its own tfjs backend and table copy; runs the (algorithm, seed) jobs it is sent. */
const config = workerData as BenchConfig;
await initBackend(config.backend);
const space = createSpace(config.space);
const protocol = config.protocol ?? ORACLE_PROTOCOL;
const table = BenchmarkTable.load(config.table, space, [protocol.rewardColumn, protocol.reportColumn]);
const constraint = config.latency ? LatencyConstraint.load(config.latency, space, table, protocol) : undefined;

parentPort!.on('message', (job: BenchJob | null) => {
  if (job === null) {
    process.exit(0);
  }
  let strategy: Strategy | undefined;
  try {
    strategy = createStrategy(job.algorithm.strategy, space, job.algorithm.options, job.seed);
    const result: BenchJobResult = {
      index: job.index,
      ...runSearch(strategy, table, config.queries, config.parallel, protocol, job.seed, constraint),
    };
    parentPort!.postMessage(result);
  } catch (e) {
    // Errors cross the thread boundary as plain data; the harness turns them back into a NasmeshError.
    const error = e instanceof Error ? e : new Error(String(e));
    const failure: BenchJobFailure = { index: job.index, error: { name: error.name, message: error.message } };
    parentPort!.postMessage(failure);
  } finally {
    strategy?.dispose();
  }
});
parentPort!.postMessage('ready');
