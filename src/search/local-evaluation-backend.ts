import type { SearchSpace } from '../space/types.js';
import type { EvaluationBackend, EvaluationJob, EvaluationOutcome } from './evaluation-backend.js';
import type { CandidateEvaluator } from './evaluator.js';

type Settled = { job: EvaluationJob; outcome: EvaluationOutcome } | { job: EvaluationJob; error: unknown };

/**
 * Evaluations in this process: a table look-up, training in this thread, or an EvaluatorPool's worker threads. At
 * most `parallelism` jobs are handed to the evaluator at once, so an abort stops the batch between evaluations.
 */
export class LocalEvaluationBackend implements EvaluationBackend {
  constructor(
    private readonly space: SearchSpace,
    private readonly evaluator: CandidateEvaluator,
    private readonly parallelism = 1,
  ) {}

  async *evaluate(jobs: readonly EvaluationJob[], signal?: AbortSignal): AsyncGenerator<EvaluationOutcome> {
    signal?.throwIfAborted();
    const started = performance.now();
    const waiting = [...jobs];
    const running = new Map<EvaluationJob, Promise<Settled>>();
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => (onAbort = () => reject(signal?.reason)));
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (waiting.length > 0 || running.size > 0) {
        while (running.size < this.parallelism && waiting.length > 0) {
          const job = waiting.shift()!;
          running.set(job, this.settle(job, started));
        }
        const settled = await Promise.race([...running.values(), aborted]);
        running.delete(settled.job);
        if ('error' in settled) throw settled.error;
        yield settled.outcome;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Never rejects: a failure becomes a value, so jobs still running when another fails raise no unhandled error. */
  private async settle(job: EvaluationJob, started: number): Promise<Settled> {
    try {
      const evaluation = await this.evaluator.evaluate(this.space.fromJSON(job.architecture));
      return { job, outcome: { search: job.search, index: job.index, evaluation, seconds: (performance.now() - started) / 1000 } };
    } catch (error) {
      return { job, error };
    }
  }
}
