import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** URL of a sibling module `name` with the caller's extension (.ts under tsx, .js when built). */
export function siblingModule(name: string, callerUrl: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(callerUrl))}`, callerUrl);
}

/** Starts a worker thread; under tsx (tests, npm scripts) it registers the TypeScript loader before importing. */
export function startWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  // Resolved here, not in the worker: an eval'd worker resolves bare names from the working directory, which need
  // not be this checkout (a pod's working directory is its data volume).
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(source, { eval: true, workerData });
}
