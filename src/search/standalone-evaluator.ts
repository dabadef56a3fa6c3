import type { LoadedDataset } from '../data/types.js';
import type { Architecture, SearchSpace } from '../space/types.js';
import { buildChildNetwork } from '../train/child-network.js';
import { accuracy, fit, type FitOptions, type TrainingProgress } from '../train/fit.js';
import { seedKernels } from '../train/seeded-init.js';
import type { NetworkConfig } from '../train/types.js';
import { Rng } from '../util/rng.js';
import type { CandidateEvaluator, Evaluation } from './evaluator.js';

export interface StandaloneOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  trainSubset?: number;
  /** Default constant; the final stage's finalists train with the retraining's cosine schedule. */
  schedule?: FitOptions['schedule'];
}

/** NASNet-style proxy: train the child from scratch for a few epochs, report validation accuracy. */
export class StandaloneEvaluator implements CandidateEvaluator {
  constructor(
    private readonly space: SearchSpace,
    private readonly data: LoadedDataset,
    private readonly network: NetworkConfig,
    private readonly options: StandaloneOptions,
    private readonly seed: number,
  ) {}

  async evaluate(arch: Architecture, onProgress?: (progress: TrainingProgress) => void): Promise<Evaluation> {
    // The stream depends on the seed and the architecture only, so results do not depend on evaluation order.
    const rng = new Rng((this.seed ^ Number.parseInt(this.space.hash(arch).slice(0, 8), 16)) >>> 0);
    const child = buildChildNetwork(this.space, arch, this.network);
    try {
      seedKernels(child.model, rng);
      const { diverged } = fit(child.model, this.data, rng, {
        epochs: this.options.epochs,
        batchSize: this.options.batchSize,
        learningRate: this.options.learningRate,
        samplesPerEpoch: this.options.trainSubset,
        schedule: this.options.schedule,
        onBatch: onProgress,
      });
      const acc = diverged ? 0 : accuracy(child.model, this.data.validation, this.data, rng);
      return { accuracy: acc, params: child.cost.params, flops: child.cost.macs, ...(diverged ? { diverged } : {}) };
    } finally {
      child.model.dispose();
    }
  }
}
