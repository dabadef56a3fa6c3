import type { Worker } from 'node:worker_threads';
import type { LoadOptions } from '../data/load.js';
import type { DatasetSpecInput } from '../data/spec.js';
import type { SpaceConfig } from '../space/registry.js';
import type { Architecture } from '../space/types.js';
import type { BackendName } from '../tf/backend.js';
import type { TrainingProgress } from '../train/fit.js';
import { NasmeshError } from '../util/errors.js';
import { siblingModule, startWorker } from '../util/worker.js';
import type { CandidateEvaluator, Evaluation } from './evaluator.js';
import type { StandaloneOptions } from './standalone-evaluator.js';

export interface PoolSetup {
  space: SpaceConfig;
  dataset: DatasetSpecInput;
  dataOptions?: LoadOptions;
  network: { channels: number; cellsPerStage: number; stages: number };
  options: StandaloneOptions;
  seed: number;
  backend: BackendName;
}
export interface PoolJob {
  id: number;
  arch: number[];
  /** Whether to post the training's progress (a message per batch) before the result. */
  progress: boolean;
}
export type PoolResult = { id: number; evaluation: Evaluation } | { id: number; error: string };
export type PoolMessage = 'ready' | PoolResult | { id: number; progress: TrainingProgress };

/**
 * Standalone evaluations on `size` worker threads, each with its own backend: independent candidates train in
 * parallel on all cores. A candidate's result depends on the seed and the architecture only, never on which worker
 * trained it.
 */
export class EvaluatorPool implements CandidateEvaluator {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (e: Evaluation) => void; reject: (e: Error) => void; onProgress?: (p: TrainingProgress) => void }
  >();
  private readonly workers: Worker[] = [];
  private nextId = 0;

  private constructor() {}

  static async start(size: number, setup: PoolSetup): Promise<EvaluatorPool> {
    const pool = new EvaluatorPool();
    const url = siblingModule('evaluator-worker', import.meta.url);
    await Promise.all(
      Array.from(
        { length: size },
        () =>
          new Promise<void>((resolve, reject) => {
            const worker = startWorker(url, setup);
            pool.workers.push(worker);
            worker.once('error', reject);
            worker.on('message', (m: PoolMessage) => {
              if (m === 'ready') {
                resolve();
              } else if ('progress' in m) {
                pool.pending.get(m.id)?.onProgress?.(m.progress);
                return; // the job goes on
              } else {
                const p = pool.pending.get(m.id)!;
                pool.pending.delete(m.id);
                if ('error' in m) p.reject(new NasmeshError(m.error));
                else p.resolve(m.evaluation);
              }
              pool.release(worker);
            });
          }),
      ),
    );
    return pool;
  }

  async evaluate(arch: Architecture, onProgress?: (progress: TrainingProgress) => void): Promise<Evaluation> {
    const worker = await this.acquire();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, arch: [...arch], progress: onProgress !== undefined } satisfies PoolJob);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private acquire(): Promise<Worker> {
    const worker = this.idle.pop();
    return worker ? Promise.resolve(worker) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }
}
