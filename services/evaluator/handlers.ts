import { ConcurrencyLimit } from '../common/grpc/concurrency-limit.js';
import { unary } from '../common/grpc/unary.js';
import type { EvaluatorServer } from '../gen/nasmesh/v1/evaluator.js';
import type { JobEvaluator } from './job-evaluator.js';

/**
 * Evaluate calls run at once: each may train a network, beside the queued jobs this evaluator takes, so a burst of
 * calls is refused rather than queued without bound.
 */
export const MAX_CONCURRENT_EVALUATIONS = 4;

/**
 * The Evaluator RPC: the same evaluation as a queued job, answered directly. A bad job is INVALID_ARGUMENT naming
 * the field, a mode this evaluator does not serve UNIMPLEMENTED, a call beyond MAX_CONCURRENT_EVALUATIONS
 * RESOURCE_EXHAUSTED.
 */
export function evaluatorHandlers(evaluator: JobEvaluator): EvaluatorServer {
  const limit = new ConcurrencyLimit(MAX_CONCURRENT_EVALUATIONS, 'Evaluate calls');
  return {
    evaluate: unary(async (job, { signal }) => {
      const parsed = evaluator.parse(job);
      return limit.run(() => evaluator.evaluate(parsed, signal));
    }),
  };
}
