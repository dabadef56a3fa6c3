import type { Worker } from 'node:worker_threads';
import { createStrategy } from '../strategy/registry.js';
import { createSpace } from '../space/registry.js';
import { initBackend } from '../tf/backend.js';
import { BenchmarkTable, BenchmarkTableError } from './table.js';
import { ORACLE_PROTOCOL } from './run-search.js';
import { LatencyConstraint } from './latency-constraint.js';
import { summarize } from './summarize.js';
import { NasmeshError } from '../util/errors.js';
import { siblingModule, startWorker } from '../util/worker.js';
import type { BenchConfig, BenchJob, BenchJobFailure, BenchJobResult, BenchReport } from './types.js';

/**
 * Runs every (algorithm, seed) search of a benchmark over `threads` worker threads and summarises them. Results do
 * not depend on the thread count: each search is seeded by its own seed alone.
 */
export async function runBenchmark(config: BenchConfig, onProgress?: (done: number, total: number) => void): Promise<BenchReport> {
  const started = performance.now();
  await initBackend(config.backend);
  const space = createSpace(config.space);
  // Fail fast on bad strategy options, before the table is read or any thread starts.
  for (const a of config.algorithms) {
    createStrategy(a.strategy, space, a.options, 0, `options.${a.label ?? a.strategy}`).dispose();
  }
  const protocol = config.protocol ?? ORACLE_PROTOCOL;
  const table = BenchmarkTable.load(config.table, space, [protocol.rewardColumn, protocol.reportColumn]);
  const report = table.columnStats(protocol.reportColumn);
  const constraint = config.latency ? LatencyConstraint.load(config.latency, space, table, protocol) : undefined;

  const jobs: BenchJob[] = config.algorithms.flatMap((algorithm, a) =>
    Array.from({ length: config.seeds }, (_, s) => ({
      index: a * config.seeds + s,
      algorithm,
      seed: config.seedOffset + s,
    })),
  );
  const results = new Array<BenchJobResult>(jobs.length);
  let next = 0;
  let done = 0;
  const workerUrl = siblingModule('worker', import.meta.url);
  const threads = Math.max(1, Math.min(config.threads, jobs.length));

  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from(
        { length: threads },
        () =>
          new Promise<void>((resolve, reject) => {
            const worker = startWorker(workerUrl, config);
            workers.push(worker);
            const feed = () => worker.postMessage(next < jobs.length ? jobs[next++]! : null);
            worker.on('message', (message: 'ready' | BenchJobResult | BenchJobFailure) => {
              if (message !== 'ready' && 'error' in message) {
                const job = jobs[message.index]!;
                const label = job.algorithm.label ?? job.algorithm.strategy;
                const ErrorClass = message.error.name === BenchmarkTableError.name ? BenchmarkTableError : NasmeshError;
                reject(new ErrorClass(`${label}, seed ${job.seed}: ${message.error.message}`));
                return;
              }
              if (message !== 'ready') {
                results[message.index] = message;
                onProgress?.(++done, jobs.length);
              }
              feed();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`benchmark worker exited with ${code}`))));
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }

  return {
    table: config.table,
    protocol,
    queries: config.queries,
    seeds: config.seeds,
    seedOffset: config.seedOffset,
    optimum: report.optimum,
    top01Threshold: report.top01Threshold,
    reportCeiling: table.value(table.best(protocol.rewardColumn), protocol.reportColumn),
    tableSize: table.size,
    ...(constraint
      ? { latency: { ...constraint.config, targetMs: constraint.target, constrainedOptimum: constraint.constrainedOptimum } }
      : {}),
    seconds: (performance.now() - started) / 1000,
    results: config.algorithms.map((a, i) =>
      summarize(
        a.label ?? a.strategy,
        results.slice(i * config.seeds, (i + 1) * config.seeds),
        config.queries,
        constraint && { worstAccuracy: constraint.reference.accuracy, optimum: constraint.constrainedOptimum },
      ),
    ),
  };
}
