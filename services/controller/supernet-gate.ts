import type { EvaluationBackend, EvaluationJob, EvaluationOutcome } from '../../src/search/evaluation-backend.js';
import { epochOfCandidate, type WeightSharingEvaluation } from '../../src/search/weight-sharing-schedule.js';
import type { SearchDocument } from '../gen/nasmesh/v1/common.js';
import type { TrainerLink } from './trainer-link.js';

/**
 * Weight-sharing evaluation on the mesh: a job goes to the evaluators only once the supernet checkpoint it names is
 * stored, so no evaluator waits on (or fails for) weights still in training. Meanwhile the trainer link keeps the
 * search's training going.
 */
export class SupernetGate implements EvaluationBackend {
  constructor(
    private readonly inner: EvaluationBackend,
    private readonly trainer: TrainerLink,
    private readonly searchId: string,
    private readonly document: SearchDocument,
    private readonly evaluation: WeightSharingEvaluation,
  ) {}

  async *evaluate(jobs: readonly EvaluationJob[], signal?: AbortSignal): AsyncGenerator<EvaluationOutcome> {
    const last = Math.max(...jobs.map((j) => epochOfCandidate(this.evaluation, j.index)));
    await this.trainer.epochStored(this.searchId, this.document, last, signal ?? new AbortController().signal);
    yield* this.inner.evaluate(jobs, signal);
  }
}
