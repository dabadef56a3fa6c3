import type { Metrics } from '../reward/types.js';
import type { Architecture } from '../space/types.js';
import type { TrainingProgress } from '../train/fit.js';

/** What an evaluation yields for one candidate: the reward's metrics plus cost and any early stop. */
export interface Evaluation extends Metrics {
  params: number;
  flops: number;
  diverged?: string;
}

/** Scores candidates: a table look-up, a short training run, or the shared weights of a supernet. */
export interface CandidateEvaluator {
  /** `onProgress`: the training's batches as they go, for progress displays (evaluators that train report them). */
  evaluate(arch: Architecture, onProgress?: (progress: TrainingProgress) => void): Promise<Evaluation>;
}
