import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createStrategy } from '../controller/registry.js';
import { createSpace } from '../space/registry.js';
import { initBackend } from '../tf/backend.js';
import { BenchmarkTable } from './table.js';
import { summarize } from './summarize.js';
import type { BenchConfig, BenchJob, BenchJobResult, BenchReport } from './types.js';

/**
 * Runs every (algorithm, seed) search of a benchmark over `threads` worker threads and summarises them. Results do
 * not depend on the thread count: each search is seeded by its own seed alone.
 */
export async function runBenchmark(
  config: BenchConfig,
  onProgress?: (done: number, total: number) => void,
): Promise<BenchReport> {
  const started = performance.now();
  await initBackend(config.backend);
  const space = createSpace(config.space);
  const table = BenchmarkTable.load(config.table, space);
  // Fail fast on bad strategy options, before any thread starts.
  for (const a of config.algorithms) createStrategy(a.strategy, space, a.options, 0).dispose();

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
  const workerUrl = new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  const threads = Math.max(1, Math.min(config.threads, jobs.length));

  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = startWorker(workerUrl, config);
          const feed = () => worker.postMessage(next < jobs.length ? jobs[next++]! : null);
          worker.on('message', (message: 'ready' | BenchJobResult) => {
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

  return {
    table: config.table,
    queries: config.queries,
    seeds: config.seeds,
    seedOffset: config.seedOffset,
    optimum: table.optimum,
    top01Threshold: table.top01Threshold,
    tableSize: table.size,
    seconds: (performance.now() - started) / 1000,
    results: config.algorithms.map((a, i) =>
      summarize(a.label ?? a.strategy, results.slice(i * config.seeds, (i + 1) * config.seeds), config.queries),
    ),
  };
}

/** Under tsx (tests, `npm run` scripts) a worker must register the TypeScript loader itself before importing. */
function startWorker(url: URL, workerData: BenchConfig): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const source = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(source, { eval: true, workerData });
}
