import { unary } from '../common/grpc/unary.js';
import type { EvaluatorServer } from '../gen/nasmesh/v1/evaluator.js';
import type { JobEvaluator } from './job-evaluator.js';

/**
 * The Evaluator RPC: the same evaluation as a queued job, answered directly. A bad job is INVALID_ARGUMENT naming
 * the field, a mode this evaluator does not serve UNIMPLEMENTED.
 */
export function evaluatorHandlers(evaluator: JobEvaluator): EvaluatorServer {
  return {
    evaluate: unary(async (job, { signal }) => evaluator.evaluate(evaluator.parse(job), signal)),
  };
}
