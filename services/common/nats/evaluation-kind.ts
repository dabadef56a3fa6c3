import type { EvaluationMode } from '../metrics/evaluator-metrics.js';

export const EVALUATION_MODES: readonly EvaluationMode[] = ['benchmark', 'standalone', 'weight-sharing'];

/**
 * The work-queue kind of an evaluation mode: one subject and one shared consumer per mode, so an evaluator takes
 * only jobs of the modes it serves (a benchmark-only evaluator never holds a standalone training job).
 */
export function evaluationWorkKind(mode: EvaluationMode): string {
  return `evaluate-${mode}`;
}
