import { availableParallelism } from 'node:os';
import type { LoadedDataset } from '../data/types.js';
import { createSpace } from '../space/registry.js';
import { datasetNetwork } from '../train/dataset-network.js';
import { EvaluatorPool, type PoolSetup } from './evaluator-pool.js';
import type { CandidateEvaluator, Evaluation } from './evaluator.js';
import { StandaloneEvaluator } from './standalone-evaluator.js';
import { combinedTrainingProgress } from './training-progress.js';
import type { SearchProgress } from './types.js';
import type { Finalist } from './weight-sharing-derive.js';

/** A finalist after its short standalone training. */
export interface TrainedFinalist extends Finalist {
  /** Validation accuracy (0 where it diverged), parameters and multiply-adds of the short training's network. */
  readonly shortTraining: Evaluation;
}

/**
 * The final stage's finalist selection for weight sharing: each of the derive step's best `setup.options`-trains
 * from scratch (the standalone evaluator, its stream seeded by the search's seed and the architecture, so the result
 * depends on neither the order nor the thread) on worker threads, one per core at most; returns them best first by
 * that validation accuracy, the derive step's order breaking ties. At small budgets the shared weights rank
 * parameter-free cells first, which train worst on their own: the short training predicts the retrained accuracy
 * better (summary.json's Kendall τ says by how much, per search).
 */
export async function trainFinalists(
  finalists: readonly Finalist[],
  setup: PoolSetup,
  data: LoadedDataset,
  onProgress?: (progress: SearchProgress) => void,
): Promise<TrainedFinalist[]> {
  const workers = Math.min(availableParallelism(), finalists.length);
  const { evaluator, close } = await finalistEvaluator(workers, setup, data);
  // The worker threads' batches, as one progress over all the finalists.
  const progress = onProgress && combinedTrainingProgress('finalists', finalists.length, onProgress);
  try {
    const trained = await Promise.all(
      finalists.map(async (f, i) => ({ ...f, shortTraining: await evaluator.evaluate(f.arch, progress?.(i)) })),
    );
    // Array.prototype.sort is stable: equal accuracies keep the derive step's order.
    return trained.sort((a, b) => b.shortTraining.accuracy - a.shortTraining.accuracy);
  } finally {
    await close();
  }
}

async function finalistEvaluator(
  workers: number,
  setup: PoolSetup,
  data: LoadedDataset,
): Promise<{ evaluator: CandidateEvaluator; close: () => Promise<void> }> {
  if (workers > 1) {
    const pool = await EvaluatorPool.start(workers, setup);
    return { evaluator: pool, close: () => pool.close() };
  }
  const evaluator = new StandaloneEvaluator(createSpace(setup.space), data, datasetNetwork(data, setup.network), setup.options, setup.seed);
  return { evaluator, close: async () => {} };
}
